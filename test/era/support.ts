import { randomBytes } from "node:crypto";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { type AuditEntry, createServer } from "../../src/server.js";
import { type KeyValueStore, memoryStore } from "../../src/state/store.js";
import { coreTools } from "../../src/tools/index.js";
import type { HttpServerHandle } from "../../src/transport/http.js";
import { USER_AGENT } from "../../src/version.js";
import { FLY_TOKEN, fakeDirectory } from "../http/support.js";

export const MODERN = "2026-07-28";
export const target = { app_name: "my-app", machine_id: "148ed193b95089" };
// Made at run time: a key written out in the repository would be public.
export const AGENT_KEYS = {
  ops: randomBytes(18).toString("base64url"),
  other: randomBytes(18).toString("base64url"),
} as const;

/** The Machines API stand-in: answers like Fly and counts what would change something. */
export function countingFly() {
  const requests: string[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    requests.push(`${req.method} ${url.pathname}`);
    if (req.method === "GET" && /\/machines$/.test(url.pathname)) {
      return Response.json([{ id: target.machine_id, name: "web-1", state: "stopped", region: "iad" }]);
    }
    if (req.method === "GET") {
      return Response.json({ id: target.machine_id, name: "web-1", state: "stopped", region: "iad" });
    }
    return Response.json({ ok: true });
  };
  return {
    fetch: fetchFn,
    requests,
    /** Requests that change something at Fly: the ones a confirmation guards. */
    writes: () => requests.filter((r) => !r.startsWith("GET ")),
  };
}

export interface Fleet {
  fly: ReturnType<typeof countingFly>;
  audit: AuditEntry[];
  clock: { now: number };
  store: KeyValueStore;
}

/** What replicas share: the signing key, the store of spent confirmations, Fly and the audit. */
export function fleet(): Fleet & { serverFor: ReturnType<typeof serverFactoryFor> } {
  const shared: Fleet = {
    fly: countingFly(),
    audit: [],
    clock: { now: Date.parse("2026-12-01T12:00:00Z") },
    store: undefined as unknown as KeyValueStore,
  };
  shared.store = memoryStore(() => shared.clock.now);
  return { ...shared, serverFor: serverFactoryFor(shared, randomBytes(32)) };
}

export function serverFactoryFor(shared: Fleet, stateKey: Buffer, store?: KeyValueStore) {
  const fly = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: shared.fly.fetch,
    userAgent: USER_AGENT,
  });
  return (access: Parameters<typeof createServer>[0]["access"]) =>
    createServer({
      tools: coreTools,
      fly,
      access,
      audit: { record: (e) => shared.audit.push(e) },
      logger: silentLogger(),
      confirmTimeoutMs: 60_000,
      stateKey,
      store: store ?? shared.store,
      now: () => shared.clock.now,
    });
}

export const confirmingAccess = (agent: string) => {
  const access = createAccessControl({
    scope: "org",
    policy: policyFromFlags({ access: "all", destructive: "confirm" }),
  });
  return { ...access, agent };
};

export const confirmingAgents = () =>
  fakeDirectory({
    [AGENT_KEYS.ops]: { agent: "ops", access: confirmingAccess("ops") },
    [AGENT_KEYS.other]: { agent: "other", access: confirmingAccess("other") },
  });

const ELICITING = { elicitation: { form: {} } };

export interface ModernReply {
  status: number;
  body: {
    result?: {
      resultType?: string;
      isError?: boolean;
      content?: { type: string; text: string }[];
      requestState?: string;
      inputRequests?: Record<string, { method: string; params: { message: string } }>;
      ttlMs?: number;
      cacheScope?: string;
      tools?: { name: string }[];
    };
    error?: { code: number; message: string };
  };
}

let nextId = 1;

/** One 2026-07-28 request, as a modern client puts it on the wire: headers and `_meta` envelope. */
export async function modern(
  url: string,
  key: string,
  method: string,
  params: Record<string, unknown> = {},
  opts: { capabilities?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<ModernReply> {
  const name: Record<string, string> = typeof params.name === "string" ? { "Mcp-Name": params.name } : {};
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      Authorization: `Bearer ${key}`,
      "MCP-Protocol-Version": MODERN,
      "Mcp-Method": method,
      ...name,
      ...opts.headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: nextId++,
      method,
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": opts.capabilities ?? ELICITING,
          "io.modelcontextprotocol/clientInfo": { name: "raw-modern", version: "1" },
        },
      },
    }),
  });
  const text = await res.text();
  // A streamed answer: the last data line is the response.
  const json = res.headers.get("content-type")?.includes("text/event-stream")
    ? text
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => JSON.parse(l.slice(6)))
        .pop()
    : JSON.parse(text);
  return { status: res.status, body: json };
}

export const textOfReply = (reply: ModernReply) =>
  reply.body.result?.content?.map((c) => c.text).join("\n") ?? reply.body.error?.message ?? "";

/** A 2026-07-28 SDK client that answers every confirmation with `answer`. */
export async function modernClient(
  served: HttpServerHandle,
  key: string,
  answer: (message: string) => { action: "accept" | "decline" | "cancel"; content?: Record<string, boolean> },
): Promise<{ client: Client; asked: string[] }> {
  const asked: string[] = [];
  const client = new Client(
    { name: "modern-test", version: "1.0.0" },
    { capabilities: ELICITING, versionNegotiation: { mode: { pin: MODERN } } },
  );
  client.setRequestHandler("elicitation/create", async (req) => {
    const message = (req.params as { message: string }).message;
    asked.push(message);
    return answer(message);
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(served.url), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return { client, asked };
}
