import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { harness, initializeBody, KEYS, MCP_HEADERS, raw, rpc } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

const auth = { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.ops}` };

describe("request bodies", () => {
  it("refuses a body over the limit by Content-Length with 413", async () => {
    const served = await h.start({ maxBodyBytes: 1024 });
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { pad: "x".repeat(4096) },
    });
    const res = await raw(served.url, { headers: auth, body });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
    expect((res.json() as { error: { message: string } }).error.message).toContain("1024 bytes");
  });

  it("refuses a chunked body that grows over the limit with 413", async () => {
    const served = await h.start({ maxBodyBytes: 1024 });
    const body = JSON.stringify({ pad: "y".repeat(4096) });
    const res = await raw(served.url, { headers: { ...auth, "Transfer-Encoding": "chunked" }, body });
    expect(res.status).toBe(413);
  });

  it.each([
    ["truncated JSON", '{"jsonrpc":"2.0","id":1,'],
    ["not JSON at all", "hello"],
    ["an empty body", ""],
  ])("answers %s with 400 and -32700", async (_label, body) => {
    const served = await h.start();
    const res = await raw(served.url, { headers: auth, body });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 }, id: null });
  });

  it("answers 400 to a call without a session id", async () => {
    const served = await h.start();
    const res = await raw(served.url, { headers: auth, body: rpc("tools/list") });
    expect(res.status).toBe(400);
    expect(res.text).toContain("Mcp-Session-Id");
    const stream = await raw(served.url, {
      method: "GET",
      headers: { ...auth, Accept: "text/event-stream" },
    });
    expect(stream.status).toBe(400);
  });

  it("answers 404 to an unknown session id", async () => {
    const served = await h.start();
    const res = await raw(served.url, {
      headers: { ...auth, "Mcp-Session-Id": "00000000-0000-4000-8000-000000000000" },
      body: rpc("tools/list"),
    });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 }, id: null });
  });
});

describe("sessions", () => {
  it("refuses an initialize beyond the cap with 503, and accepts one after a session ends", async () => {
    const served = await h.start({ maxSessions: 1 });
    const first = await h.connect(served.url, KEYS.ops);

    const refused = await raw(served.url, { headers: auth, body: initializeBody() });
    expect(refused.status).toBe(503);
    expect(refused.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
    expect(refused.text).toContain("cap of 1 live sessions");
    const beyondCap = h.connect(served.url, KEYS.reader);
    await expect(beyondCap).rejects.toBeInstanceOf(StreamableHTTPError);
    await expect(beyondCap).rejects.toMatchObject({
      code: 503,
      message: expect.stringContaining("cap of 1 live sessions"),
    });

    // The live session keeps working while others are refused.
    expect((await first.client.listTools()).tools.length).toBeGreaterThan(0);

    await first.transport.terminateSession();
    const accepted = await raw(served.url, { headers: auth, body: initializeBody() });
    expect(accepted.status).toBe(200);
  });

  it("closes a session left idle; its id is then unknown", async () => {
    const served = await h.start({ sessionIdleMs: 200 });
    const { client, transport } = await h.connect(served.url, KEYS.ops);
    const sessionId = transport.sessionId!;
    await client.close();

    // Each probe re-arms the idle timer, so probes come less often than the timeout.
    await vi.waitFor(
      async () => {
        const res = await raw(served.url, {
          headers: { ...auth, "Mcp-Session-Id": sessionId },
          body: rpc("ping"),
        });
        expect(res.status).toBe(404);
      },
      { timeout: 10_000, interval: 500 },
    );
  });

  it("frees the slot of an expired session", async () => {
    const served = await h.start({ sessionIdleMs: 200, maxSessions: 1 });
    const { client } = await h.connect(served.url, KEYS.ops);
    await client.close();
    await vi.waitFor(
      async () => {
        const res = await raw(served.url, { headers: auth, body: initializeBody() });
        expect(res.status).toBe(200);
      },
      { timeout: 10_000, interval: 100 },
    );
  });
});
