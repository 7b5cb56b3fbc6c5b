import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { request as httpRequest } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { McpServer } from "@modelcontextprotocol/server";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { type AccessControl, createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import {
  type AgentDirectory,
  type AgentIdentity,
  type HttpServerHandle,
  type HttpServerOptions,
  startHttpServer,
} from "../../src/transport/http.js";
import { USER_AGENT } from "../../src/version.js";
import { memoryAudit } from "../support/harness.js";

/** Recognisable, so a leak shows up in any captured text. */
export const FLY_TOKEN = "fm2_SECRET_TOKEN_VALUE";
// Made at run time: a key written out in the repository would be public.
export const KEYS = {
  reader: randomBytes(18).toString("base64url"),
  ops: randomBytes(18).toString("base64url"),
} as const;

export const readerAccess: AccessControl = {
  agent: "reader",
  isListed: (tool) => tool.access === "read",
  decide: (tool) =>
    tool.access === "read"
      ? { kind: "allow" }
      : { kind: "deny", reason: `needs ${tool.access} access`, fix: "grant it in the policy" },
  revealSecrets: false,
  redactSecrets: (d) => d,
};

export const opsAccess: AccessControl = {
  agent: "ops",
  isListed: () => true,
  decide: () => ({ kind: "allow" }),
  revealSecrets: false,
  redactSecrets: (d) => d,
};

const sha = (s: string) => createHash("sha256").update(s).digest();

/** Stands in for the policy module: hashed keys compared in constant time. */
export function fakeDirectory(byKey: Record<string, AgentIdentity>): AgentDirectory {
  const entries = Object.entries(byKey).map(([key, who]) => ({ hash: sha(key), who }));
  return {
    size: entries.length,
    authenticate(key) {
      const presented = sha(key);
      let found: AgentIdentity | undefined;
      for (const e of entries) if (timingSafeEqual(e.hash, presented) && !found) found = e.who;
      return found;
    },
  };
}

export const twoAgents = (): AgentDirectory =>
  fakeDirectory({
    [KEYS.reader]: { agent: "reader", access: readerAccess },
    [KEYS.ops]: { agent: "ops", access: opsAccess },
  });

export interface FakeFly {
  fetch: typeof fetch;
  /** Authorization headers Fly received. */
  authorizations: string[];
  /** Delay before each answer, to keep a call in flight. */
  delayMs: number;
}

/** The Machines API as a fetch function: a fixed machine list, deletes succeed, `broken` apps fail. */
export function fakeFly(): FakeFly {
  const fly: FakeFly = {
    authorizations: [],
    delayMs: 0,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      fly.authorizations.push(req.headers.get("authorization") ?? "");
      if (fly.delayMs) await new Promise((r) => setTimeout(r, fly.delayMs));
      const url = new URL(req.url);
      if (url.pathname.startsWith("/v1/apps/broken/")) {
        return Response.json({ error: "app not found" }, { status: 404 });
      }
      if (req.method === "GET" && /^\/v1\/apps\/[^/]+\/machines$/.test(url.pathname)) {
        return Response.json([{ id: "148ed193b95089", name: "web-1", state: "started", region: "iad" }]);
      }
      return Response.json({ ok: true });
    },
  };
  return fly;
}

export function serverFactory(fly: FakeFly): (access: AccessControl) => McpServer {
  const client = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: fly.fetch,
    userAgent: USER_AGENT,
  });
  return (access) =>
    createServer({ tools: coreTools, fly: client, access, audit: memoryAudit(), logger: silentLogger() });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/** Everything any response carried, for the token-leak check. */
export const transcript: string[] = [];

/** node:http, because fetch cannot set Host. */
export function raw(
  url: string,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "POST",
        path: opts.path ?? "/mcp",
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          transcript.push(JSON.stringify(res.headers), text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

export const MCP_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
};

export const initializeBody = (id = 1) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "raw", version: "1" },
    },
  });

export const rpc = (method: string, params: unknown = {}, id = 2) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });

/** fetch that copies each response into the transcript as it streams by. */
const recordingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const headers: string[] = [];
  res.headers.forEach((value, name) => {
    headers.push(`${name}: ${value}`);
  });
  transcript.push(headers.join("\n"));
  if (!res.body) return res;
  const [mine, theirs] = res.body.tee();
  void (async () => {
    const decoder = new TextDecoder();
    const reader = theirs.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        transcript.push(decoder.decode(value, { stream: true }));
      }
    } catch {
      // The client aborted its stream; what arrived is already recorded.
    }
  })();
  return new Response(mine, { status: res.status, statusText: res.statusText, headers: res.headers });
};

/** Starts servers and clients and closes them all after each test. */
export function harness() {
  const closers: (() => Promise<unknown>)[] = [];
  return {
    async start(opts: Partial<HttpServerOptions> & { fly?: FakeFly } = {}): Promise<HttpServerHandle> {
      const fly = opts.fly ?? fakeFly();
      const handle = await startHttpServer({
        serverFor: serverFactory(fly),
        agents: twoAgents(),
        host: "127.0.0.1",
        port: 0,
        stateless: false,
        logger: silentLogger(),
        ...opts,
      });
      closers.push(() => handle.close());
      return handle;
    },
    async connect(
      url: string,
      key?: string,
    ): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: key ? { headers: { Authorization: `Bearer ${key}` } } : undefined,
        fetch: recordingFetch,
      });
      const client = new Client({ name: "http-test", version: "1.0.0" });
      await client.connect(transport);
      closers.unshift(() => client.close());
      return { client, transport };
    },
    async cleanup(): Promise<void> {
      for (const close of closers.splice(0)) await close().catch(() => undefined);
    },
  };
}

export { call as callTool, textOf } from "../support/harness.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
