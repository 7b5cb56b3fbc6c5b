import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pino from "pino";
import { type CliFlags, resolveConfig } from "../../src/config.js";
import { findAgentByKey } from "../../src/policy/agent-policy.js";
import { createRuntime, type Runtime } from "../../src/runtime.js";
import { createAgentDirectory, type HttpServerHandle, startHttpServer } from "../../src/transport/http.js";
import { oauthFromConfig } from "../../src/transport/oauth-runtime.js";
import type { TokenValidatorOptions } from "../../src/transport/oauth-tokens.js";

export interface OAuthTestServer {
  url: string;
  runtime: Runtime;
  /** Audit lines written so far, parsed. */
  audit(): Record<string, unknown>[];
  /** Everything the server logged, to check that no token shows up. */
  logs(): string;
  close(): Promise<void>;
}

/**
 * The server as the CLI builds it (config, runtime in sandbox mode, policy file, audit file),
 * with the token checks' clock and JWKS cooldown open to the test.
 */
export async function startOAuthServer(opts: {
  policy: string;
  flags: CliFlags;
  env?: NodeJS.ProcessEnv;
  validation?: Omit<TokenValidatorOptions, "issuer" | "audience">;
  stateless?: boolean;
}): Promise<OAuthTestServer> {
  const dir = mkdtempSync(join(tmpdir(), "fly-mcp-oauth-"));
  const policyPath = join(dir, "policy.yaml");
  const auditPath = join(dir, "audit.log");
  writeFileSync(policyPath, opts.policy);
  const config = resolveConfig(
    {
      transport: "http",
      sandbox: true,
      policy: policyPath,
      auditLog: auditPath,
      stateless: opts.stateless,
      ...opts.flags,
    },
    opts.env ?? {},
  );
  let logged = "";
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged += String(chunk);
      done();
    },
  });
  const logger = pino({ level: "debug" }, sink);
  const runtime = await createRuntime(config, logger);
  const agents = runtime.policyFile?.agents ?? {};
  const oauth = oauthFromConfig(config, runtime, logger, opts.validation);
  const served: HttpServerHandle = await startHttpServer({
    serverFor: runtime.serverFor,
    agents: createAgentDirectory({
      size: Object.values(agents).filter((a) => a.key_sha256).length,
      lookup: (key) => findAgentByKey({ agents }, key),
      toAccess: (_name, policy) => runtime.accessFor(policy),
    }),
    oauth,
    host: config.host,
    port: 0,
    stateless: config.stateless,
    logger,
  });
  return {
    url: served.url,
    runtime,
    audit: () => {
      let text = "";
      try {
        text = readFileSync(auditPath, "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    logs: () => logged,
    close: async () => {
      await served.close();
      await runtime.close();
    },
  };
}

/** The SDK client with a bearer token in every request (what a client does once it holds a token). */
export async function connectWithToken(url: string, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "oauth-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

/** A JSON-RPC POST with a bearer token, outside any session (stateless servers take it as is). */
export async function post(
  url: string,
  token: string | undefined,
  body: unknown,
): Promise<{ status: number; challenge: string | null; json: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
  };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, challenge: res.headers.get("www-authenticate"), json };
}

export const listBody = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };
export const callBody = (name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name, arguments: args },
});
