import { z } from "zod";
import { DEFAULT_APPROVAL_TTL_MS } from "./approvals/service.js";
import { parseToken, TokenFormatError } from "./fly/auth.js";
import { DEFAULT_CONFIRM_TIMEOUT_MS } from "./policy/confirm.js";
import { DEFAULT_REPLICAS, parseRedisUrl, RedisUrlError } from "./state/redis-url.js";
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

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "[::1]", "localhost"]);

/** Why `value` cannot be the issuer or public URL, or undefined. HTTPS except on this machine. */
function urlProblem(value: string, what: string, example: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a URL, e.g. ${example}`;
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)))
    return `must use https:// (plain http only on 127.0.0.1 or localhost), e.g. ${example}`;
  if (url.search || url.hash || url.username || url.password)
    return `must be a plain ${what} URL without query, fragment or credentials, e.g. ${example}`;
  return undefined;
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
    confirmFallback: z.enum(["deny", "echo"]),
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
    oauthIssuer: z.string().optional(),
    oauthAudience: z.string().min(1).optional(),
    publicUrl: z.string().optional(),
    oauthClientId: z.string().min(1).optional(),
    oauthClientSecret: z.string().min(1).optional(),
    redisUrl: z.string().optional(),
    replicas: z
      .number({ error: "must be a whole number of replicas, e.g. --replicas 3" })
      .int()
      .min(1)
      .max(1000),
    approvalTtlS: z
      .number()
      .positive()
      .max(7 * 86_400),
    approvalWebhook: z
      .url({
        protocol: /^https?$/,
        error: "must be an http(s) URL, e.g. https://hooks.example.com/approvals",
      })
      .optional(),
    approvalsUrl: z
      .url({
        protocol: /^https?$/,
        error: "must be the server's public base URL, e.g. https://mcp.example.com",
      })
      .optional(),
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
    const oauthIssue = oauthProblem(c);
    if (oauthIssue) ctx.addIssue({ code: "custom", path: [oauthIssue.field], message: oauthIssue.message });
    if (c.redisUrl !== undefined) {
      try {
        parseRedisUrl(c.redisUrl);
      } catch (error) {
        if (!(error instanceof RedisUrlError)) throw error;
        ctx.addIssue({ code: "custom", path: ["redisUrl"], message: error.message });
      }
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

type OAuthSettings = Pick<
  Config,
  | "transport"
  | "host"
  | "policyFile"
  | "oauthIssuer"
  | "oauthAudience"
  | "publicUrl"
  | "oauthClientId"
  | "oauthClientSecret"
>;

/** The first problem with the OAuth settings, naming the field. */
function oauthProblem(c: OAuthSettings): { field: string; message: string } | undefined {
  if (c.publicUrl !== undefined) {
    const bad = urlProblem(c.publicUrl, "origin", "https://my-mcp.fly.dev");
    if (bad) return { field: "publicUrl", message: bad };
    if (new URL(c.publicUrl).pathname !== "/")
      return {
        field: "publicUrl",
        message: "must be the server's origin without a path, e.g. https://my-mcp.fly.dev",
      };
  }
  const oauthOnly = (["oauthAudience", "oauthClientId", "oauthClientSecret"] as const).find((f) => c[f]);
  if (c.oauthIssuer === undefined) {
    if (oauthOnly)
      return {
        field: oauthOnly,
        message: "only applies with --oauth-issuer URL; add it or remove this setting",
      };
    return undefined;
  }
  const bad = urlProblem(c.oauthIssuer, "issuer", "https://example.eu.auth0.com/");
  if (bad) return { field: "oauthIssuer", message: bad };
  if (c.transport !== "http")
    return { field: "oauthIssuer", message: "applies to --transport http; stdio clients need no token" };
  if (!c.policyFile)
    return {
      field: "oauthIssuer",
      message: "maps tokens to agents of --policy FILE (their oauth: setting); give the file too",
    };
  if (!c.publicUrl && !LOOPBACK_HOSTS.has(c.host))
    return {
      field: "publicUrl",
      message: `is needed with --oauth-issuer on ${c.host}: tokens name the server by its public URL, e.g. --public-url https://my-mcp.fly.dev`,
    };
  if (Boolean(c.oauthClientId) !== Boolean(c.oauthClientSecret))
    return {
      field: c.oauthClientId ? "oauthClientSecret" : "oauthClientId",
      message:
        "introspection needs both --oauth-client-id and FLY_MCP_OAUTH_CLIENT_SECRET (the secret only from the environment)",
    };
  return undefined;
}

export interface CliFlags {
  app?: string;
  org?: string;
  transport?: string;
  sandbox?: boolean;
  toolsets?: string;
  /** Removed: refused at start with a hint (see REMOVED_FLAGS). */
  dynamicToolsets?: boolean;
  confirmFallback?: string;
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
  redisUrl?: string;
  replicas?: string;
  approvalTtl?: string;
  approvalWebhook?: string;
  approvalsUrl?: string;
  logLevel?: string;
  oauthIssuer?: string;
  oauthAudience?: string;
  publicUrl?: string;
  oauthClientId?: string;
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
  confirmFallback: "--confirm-fallback",
  oauthIssuer: "--oauth-issuer",
  oauthAudience: "--oauth-audience",
  publicUrl: "--public-url",
  oauthClientId: "--oauth-client-id",
  oauthClientSecret: "FLY_MCP_OAUTH_CLIENT_SECRET",
  redisUrl: "--redis-url / FLY_MCP_REDIS_URL",
  replicas: "--replicas",
  approvalTtlS: "--approval-ttl (seconds)",
  approvalWebhook: "--approval-webhook",
  approvalsUrl: "--approvals-url",
};

/** Flags that no longer exist, each with the one line that says what replaced it. */
const REMOVED_FLAGS: ReadonlyArray<[keyof CliFlags, string]> = [
  [
    "dynamicToolsets",
    "--dynamic-toolsets was removed (a tool list may no longer change during a session); name the toolsets instead: toolsets: [core, certificates] per agent in the policy file, or --toolsets core,certificates for the local agent",
  ],
];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Defaults, then environment, then flags; validated in one place. */
export function resolveConfig(flags: CliFlags, env: NodeJS.ProcessEnv): Config {
  for (const [flag, hint] of REMOVED_FLAGS) if (flags[flag] !== undefined) throw new ConfigError(hint);
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
    confirmFallback: flags.confirmFallback ?? "deny",
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
    redisUrl: flags.redisUrl ?? (env.FLY_MCP_REDIS_URL?.trim() || undefined),
    replicas: decimal(flags.replicas) ?? DEFAULT_REPLICAS,
    approvalTtlS: seconds(flags.approvalTtl) ?? DEFAULT_APPROVAL_TTL_MS / 1000,
    approvalWebhook: flags.approvalWebhook,
    approvalsUrl: flags.approvalsUrl,
    logLevel: flags.logLevel ?? env.LOG_LEVEL ?? "info",
    oauthIssuer: flags.oauthIssuer,
    oauthAudience: flags.oauthAudience,
    publicUrl: flags.publicUrl,
    oauthClientId: flags.oauthClientId,
    oauthClientSecret: env.FLY_MCP_OAUTH_CLIENT_SECRET?.trim() || undefined,
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
