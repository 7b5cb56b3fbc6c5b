import type { Logger } from "pino";
import type { Config } from "./config.js";
import { type FlyClient, createFlyClient } from "./fly/client.js";
import { createSandbox } from "./sandbox/index.js";
import { type AccessControl, type AuditSink, createServer } from "./server.js";
import { selectTools } from "./tools/index.js";
import type { ToolDef } from "./tools/types.js";
import { USER_AGENT } from "./version.js";

export const SANDBOX_URL = "http://sandbox.local";
export const SANDBOX_TOKEN = "sandbox";

/** Everything a transport needs to build an MCP server per client. */
export interface Runtime {
  fly: FlyClient;
  tools: ToolDef[];
  defaults: Record<string, string | undefined>;
  audit?: AuditSink;
  logger: Logger;
  serverFor(access?: AccessControl): ReturnType<typeof createServer>;
}

export function createRuntime(config: Config, logger: Logger): Runtime {
  const fly = config.sandbox
    ? createFlyClient({ baseUrl: SANDBOX_URL, token: SANDBOX_TOKEN, fetch: createSandbox().fetch, userAgent: USER_AGENT })
    : createFlyClient({ baseUrl: config.apiHostname, token: config.token, userAgent: USER_AGENT });
  const tools = selectTools(config.toolsets.includes("all") ? "all" : config.toolsets);
  const defaults = { app_name: config.app, org_slug: config.org ?? (config.sandbox ? "personal" : undefined) };
  const runtime: Runtime = {
    fly,
    tools,
    defaults,
    logger,
    serverFor: (access) => createServer({ tools, fly, defaults, access, audit: runtime.audit, logger }),
  };
  return runtime;
}
