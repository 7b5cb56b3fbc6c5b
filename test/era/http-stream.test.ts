import { afterEach, describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { FLY_TOKEN, harness } from "../http/support.js";
import { AGENT_KEYS, confirmingAgents, MODERN, target } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

/** Fly whose wait endpoint answers only after `release` (or never), noting whether the caller gave up. */
function slowFly() {
  const seen = { waits: 0, aborted: 0 };
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const fetchFn: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    if (!new URL(req.url).pathname.endsWith("/wait")) return Response.json({});
    seen.waits++;
    const signal = init?.signal ?? req.signal;
    await new Promise<void>((resolve) => {
      signal?.addEventListener("abort", () => {
        seen.aborted++;
        resolve();
      });
      void released.then(resolve);
    });
    if (signal?.aborted) throw signal.reason;
    return Response.json({ ok: true });
  };
  const fly = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: fetchFn,
    userAgent: USER_AGENT,
  });
  return { fly, seen, release: () => release() };
}

const waitCall = (progressToken?: string) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: {
      name: "machines_wait",
      arguments: { ...target, state: "started", timeout: 30 },
      _meta: {
        ...(progressToken && { progressToken }),
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "raw-modern", version: "1" },
      },
    },
  });

const headers = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
  Authorization: `Bearer ${AGENT_KEYS.ops}`,
  "MCP-Protocol-Version": MODERN,
  "Mcp-Method": "tools/call",
  "Mcp-Name": "machines_wait",
};

async function start(stateless: boolean) {
  const slow = slowFly();
  const served = await h.start({
    agents: confirmingAgents(),
    stateless,
    serverFor: (access) =>
      createServer({
        tools: coreTools,
        fly: slow.fly,
        access,
        audit: { record: () => {} },
        logger: silentLogger(),
      }),
  });
  return { ...slow, served };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
};

describe("2026-07-28 over HTTP: one stream per request", () => {
  for (const stateless of [false, true]) {
    it(`progress travels on the call's own response stream${stateless ? " (--stateless)" : ""}`, async () => {
      const s = await start(stateless);
      const res = await fetch(s.served.url, { method: "POST", headers, body: waitCall("p1") });
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      await until(() => s.seen.waits === 1);
      s.release();
      const events = (await res.text())
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => JSON.parse(l.slice(6)));
      expect(events[0]).toMatchObject({
        method: "notifications/progress",
        params: { progressToken: "p1", progress: 1 },
      });
      expect(events.at(-1)).toMatchObject({ id: 7, result: { structuredContent: { ok: true } } });
      expect(events.at(-1).result.isError).toBeFalsy();
    });

    it(`a client that closes the response stream aborts the Fly call${stateless ? " (--stateless)" : ""}`, async () => {
      const s = await start(stateless);
      const hangUp = new AbortController();
      const pending = fetch(s.served.url, {
        method: "POST",
        headers,
        body: waitCall(),
        signal: hangUp.signal,
      }).catch(() => undefined);
      await until(() => s.seen.waits === 1);
      hangUp.abort();
      await pending;
      await until(() => s.seen.aborted === 1);
    });
  }
});
