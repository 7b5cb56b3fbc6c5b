import { z } from "zod";
import { appName, orgSlug } from "./tools/fields.js";
import { DEFAULT_TOOLSETS, TOOLSET_NAMES } from "./tools/default-toolsets.js";

export const DEFAULT_API_HOSTNAME = "https://api.machines.dev";

const csv = (value: string | undefined): string[] | undefined =>
  value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export const ConfigSchema = z
  .object({
    transport: z.enum(["stdio", "http"]),
    sandbox: z.boolean(),
    token: z.string().min(1).optional(),
    apiHostname: z.url({ message: "FLY_API_HOSTNAME must be a URL such as https://api.machines.dev" }),
    app: appName.optional(),
    org: orgSlug.optional(),
    toolsets: z
      .array(
        z.string().refine((name) => name === "all" || TOOLSET_NAMES.includes(name), {
          message: `unknown toolset; the toolsets are all, ${TOOLSET_NAMES.join(", ")}`,
        }),
      )
      .min(1),
    dynamicToolsets: z.boolean(),
    access: z.enum(["read", "write", "all"]),
    destructive: z.enum(["deny", "confirm", "allow"]),
    tokenScope: z.enum(["readonly", "machine-exec", "deploy", "org", "auto"]),
    policyFile: z.string().optional(),
    agent: z.string().min(1).optional(),
    apps: z.array(appName).optional(),
    revealSecrets: z.boolean(),
    auditLog: z.string().optional(),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    allowedHosts: z.array(z.string()).optional(),
    allowedOrigins: z.array(z.string()).optional(),
    stateless: z.boolean(),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  })
  .superRefine((c, ctx) => {
    if (!c.sandbox && !c.token) {
      ctx.addIssue({
        code: "custom",
        path: ["token"],
        message: "FLY_API_TOKEN is not set; set it to a Fly token (fly tokens create ...) or pass --sandbox to try without an account",
      });
    }
    if (c.agent && !c.policyFile) {
      ctx.addIssue({ code: "custom", path: ["agent"], message: "--agent picks an agent from --policy FILE; give the file too" });
    }
    if (c.tokenScope === "deploy" && !c.app) {
      ctx.addIssue({ code: "custom", path: ["app"], message: "--token-scope deploy needs --app NAME (the app the token is limited to)" });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export interface CliFlags {
  app?: string;
  org?: string;
  transport?: string;
  sandbox?: boolean;
  toolsets?: string;
  dynamicToolsets?: boolean;
  access?: string;
  destructive?: string;
  tokenScope?: string;
  policy?: string;
  agent?: string;
  apps?: string;
  revealSecrets?: boolean;
  auditLog?: string;
  host?: string;
  port?: string;
  allowedHosts?: string;
  allowedOrigins?: string;
  stateless?: boolean;
  logLevel?: string;
}

const FLAG_NAMES: Record<string, string> = {
  token: "FLY_API_TOKEN",
  apiHostname: "FLY_API_HOSTNAME / FLY_FLAPS_BASE_URL",
  app: "--app / FLY_APP_NAME",
  org: "--org / FLY_ORG_SLUG",
  toolsets: "--toolsets / FLY_MCP_TOOLSETS",
  tokenScope: "--token-scope / FLY_TOKEN_SCOPE",
  port: "--port",
  host: "--host",
  access: "--access",
  destructive: "--destructive",
  transport: "--transport",
  logLevel: "--log-level / LOG_LEVEL",
  apps: "--apps",
  agent: "--agent",
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Defaults, then environment, then flags; validated in one place. */
export function resolveConfig(flags: CliFlags, env: NodeJS.ProcessEnv): Config {
  const raw = {
    transport: flags.transport ?? "stdio",
    sandbox: flags.sandbox ?? false,
    token: env.FLY_API_TOKEN?.trim() || undefined,
    // FLY_FLAPS_BASE_URL is what fly-go reads; ours wins when both are set.
    apiHostname: env.FLY_API_HOSTNAME?.trim() || env.FLY_FLAPS_BASE_URL?.trim() || DEFAULT_API_HOSTNAME,
    app: flags.app ?? (env.FLY_APP_NAME || undefined),
    org: flags.org ?? (env.FLY_ORG_SLUG || undefined),
    toolsets: csv(flags.toolsets ?? env.FLY_MCP_TOOLSETS) ?? [...DEFAULT_TOOLSETS],
    dynamicToolsets: flags.dynamicToolsets ?? false,
    access: flags.access ?? "read",
    destructive: flags.destructive ?? "confirm",
    tokenScope: flags.tokenScope ?? env.FLY_TOKEN_SCOPE ?? "auto",
    policyFile: flags.policy,
    agent: flags.agent,
    apps: csv(flags.apps),
    revealSecrets: flags.revealSecrets ?? false,
    auditLog: flags.auditLog,
    host: flags.host ?? "127.0.0.1",
    port: flags.port === undefined ? 8080 : Number(flags.port),
    allowedHosts: csv(flags.allowedHosts),
    allowedOrigins: csv(flags.allowedOrigins),
    stateless: flags.stateless ?? false,
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? "info",
  };
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? "");
    const where = FLAG_NAMES[field] ?? (field ? `--${field}` : "configuration");
    throw new ConfigError(`invalid configuration: ${where}: ${issue.message}`);
  }
  return parsed.data;
}
