import { z } from "zod";
import { parseToken, TokenFormatError } from "./fly/auth.js";
import { DEFAULT_CONFIRM_TIMEOUT_MS } from "./policy/confirm.js";
import { DEFAULT_TOOLSETS, TOOLSET_NAMES } from "./tools/default-toolsets.js";
import { appName, orgSlug } from "./tools/fields.js";

export const DEFAULT_API_HOSTNAME = "https://api.machines.dev";

const csv = (value: string | undefined): string[] | undefined =>
  value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** A problem with the token's format, worded without any of the token. */
function tokenProblem(token: string): string | undefined {
  try {
    parseToken(token);
    return undefined;
  } catch (error) {
    if (error instanceof TokenFormatError) return error.message.replace(/^FLY_API_TOKEN:? /, "");
    throw error;
  }
}

export const ConfigSchema = z
  .object({
    transport: z.enum(["stdio", "http"]),
    sandbox: z.boolean(),
    token: z.string().min(1).optional(),
    // Only http(s): the token goes with every request, and no other scheme carries it as Fly expects.
    apiHostname: z.url({
      protocol: /^https?$/,
      message: "must be an http or https URL such as https://api.machines.dev",
    }),
    app: appName.optional(),
    /** The app this server itself runs in on Fly; out of reach unless a policy names it. */
    ownApp: z.string().optional(),
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
    apps: z
      .array(appName)
      .min(1, {
        message:
          "is empty (an unset shell variable?); name the apps, e.g. --apps my-app,my-worker, or leave --apps out for every app",
      })
      .optional(),
    revealSecrets: z.boolean(),
    auditLog: z.string().optional(),
    host: z.string().min(1),
    // 0 asks the system for a free port (tests use it).
    port: z
      .number({ error: "must be a port number from 0 to 65535 in plain decimal, e.g. --port 8080" })
      .int()
      .min(0, "must be a port number from 0 to 65535 in plain decimal, e.g. --port 8080")
      .max(65535, "must be a port number from 0 to 65535 in plain decimal, e.g. --port 8080"),
    allowedHosts: z.array(z.string()).optional(),
    allowedOrigins: z.array(z.string()).optional(),
    stateless: z.boolean(),
    allowKeylessLoopback: z.boolean(),
    maxSessions: z.number().int().positive().optional(),
    maxSessionsPerAgent: z.number().int().positive().optional(),
    maxConnections: z.number().int().positive().optional(),
    headersTimeoutS: z.number().positive().optional(),
    requestTimeoutS: z.number().positive().optional(),
    confirmTimeoutS: z.number().positive().max(86_400),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  })
  .superRefine((c, ctx) => {
    if (!c.sandbox && !c.token) {
      ctx.addIssue({
        code: "custom",
        path: ["token"],
        message:
          "FLY_API_TOKEN is not set; set it to a Fly token (fly tokens create ...) or pass --sandbox to try without an account",
      });
    }
    const bad = !c.sandbox && c.token ? tokenProblem(c.token) : undefined;
    if (bad) ctx.addIssue({ code: "custom", path: ["token"], message: bad });
    if (c.agent && !c.policyFile) {
      ctx.addIssue({
        code: "custom",
        path: ["agent"],
        message: "--agent picks an agent from --policy FILE; give the file too",
      });
    }
    if (c.tokenScope === "deploy" && !c.app) {
      ctx.addIssue({
        code: "custom",
        path: ["app"],
        message: "--token-scope deploy needs --app NAME (the app the token is limited to)",
      });
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
  allowKeylessLoopback?: boolean;
  maxSessions?: string;
  maxSessionsPerAgent?: string;
  maxConnections?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  confirmTimeout?: string;
  logLevel?: string;
}

/**
 * A numeric flag in plain decimal: absent stays undefined; anything else that is not digits (with a
 * fraction where `fraction` allows) becomes NaN, which validation refuses. JavaScript's Number()
 * would read "0x50" as 80 and "1e3" as 1000, and "" as 0.
 */
export function decimal(value: string | undefined, fraction = false): number | undefined {
  if (value === undefined) return undefined;
  return (fraction ? /^\d+(\.\d+)?$/ : /^\d+$/).test(value.trim()) ? Number(value) : Number.NaN;
}
const seconds = (value: string | undefined) => decimal(value, true);

const FLAG_NAMES: Record<string, string> = {
  token: "FLY_API_TOKEN",
  apiHostname: "FLY_API_HOSTNAME / FLY_FLAPS_BASE_URL",
  app: "--app / FLY_MCP_APP",
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
  maxSessions: "--max-sessions",
  maxSessionsPerAgent: "--max-sessions-per-agent",
  maxConnections: "--max-connections",
  headersTimeoutS: "--headers-timeout (seconds)",
  requestTimeoutS: "--request-timeout (seconds)",
  confirmTimeoutS: "--confirm-timeout (seconds)",
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Defaults, then environment, then flags; validated in one place. */
export function resolveConfig(flags: CliFlags, env: NodeJS.ProcessEnv): Config {
  // Fly sets FLY_APP_NAME in every machine: there it names this server's own app, not a default.
  const onFly = Boolean(env.FLY_MACHINE_ID);
  const raw = {
    transport: flags.transport ?? "stdio",
    sandbox: flags.sandbox ?? false,
    token: env.FLY_API_TOKEN?.trim() || undefined,
    // FLY_FLAPS_BASE_URL is what fly-go reads; ours wins when both are set.
    apiHostname: env.FLY_API_HOSTNAME?.trim() || env.FLY_FLAPS_BASE_URL?.trim() || DEFAULT_API_HOSTNAME,
    app: flags.app ?? (env.FLY_MCP_APP || (onFly ? undefined : env.FLY_APP_NAME) || undefined),
    ownApp: onFly ? env.FLY_APP_NAME || undefined : undefined,
    org: flags.org ?? (env.FLY_ORG_SLUG || undefined),
    toolsets: csv(flags.toolsets ?? env.FLY_MCP_TOOLSETS) ?? [...DEFAULT_TOOLSETS],
    dynamicToolsets: flags.dynamicToolsets ?? false,
    access: flags.access ?? "read",
    destructive: flags.destructive ?? "confirm",
    tokenScope: flags.tokenScope ?? env.FLY_TOKEN_SCOPE ?? "auto",
    policyFile: flags.policy,
    agent: flags.agent,
    apps: flags.apps === undefined ? undefined : csv(flags.apps),
    revealSecrets: flags.revealSecrets ?? false,
    auditLog: flags.auditLog,
    host: flags.host ?? "127.0.0.1",
    port: decimal(flags.port) ?? 8080,
    allowedHosts: csv(flags.allowedHosts),
    allowedOrigins: csv(flags.allowedOrigins),
    stateless: flags.stateless ?? false,
    allowKeylessLoopback: flags.allowKeylessLoopback ?? false,
    maxSessions: decimal(flags.maxSessions),
    maxSessionsPerAgent: decimal(flags.maxSessionsPerAgent),
    maxConnections: decimal(flags.maxConnections),
    headersTimeoutS: seconds(flags.headersTimeout),
    requestTimeoutS: seconds(flags.requestTimeout),
    confirmTimeoutS: seconds(flags.confirmTimeout) ?? DEFAULT_CONFIRM_TIMEOUT_MS / 1000,
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
