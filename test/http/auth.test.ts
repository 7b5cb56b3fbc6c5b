import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { startHttpServer } from "../../src/transport/http.js";
import { bearerKey } from "../../src/transport/http-guards.js";
import { fakeFly, harness, initializeBody, KEYS, MCP_HEADERS, raw, serverFactory } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("agent keys", () => {
  it.each([
    ["no Authorization header", undefined],
    ["an unknown key", `Bearer not-${KEYS.ops}`],
    ["another scheme", `Basic ${Buffer.from(`x:${KEYS.ops}`).toString("base64")}`],
    ["an empty bearer", "Bearer "],
  ])(
    "refuses %s with 403 and no Bearer challenge (there is no OAuth flow to start)",
    async (_label, authorization) => {
      const served = await h.start();
      const headers: Record<string, string> = { ...MCP_HEADERS };
      if (authorization !== undefined) headers.Authorization = authorization;
      const res = await raw(served.url, { headers, body: initializeBody() });

      expect(res.status).toBe(403);
      expect(res.headers["www-authenticate"]).toBeUndefined();
      expect(res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 }, id: null });
    },
  );

  it("checks the key on GET and DELETE too", async () => {
    const served = await h.start();
    for (const method of ["GET", "DELETE"]) {
      const res = await raw(served.url, { method, headers: { Accept: "text/event-stream" } });
      expect(res.status).toBe(403);
    }
  });

  it("refuses the SDK client without a key", async () => {
    const served = await h.start();
    const refused = h.connect(served.url);
    await expect(refused).rejects.toBeInstanceOf(StreamableHTTPError);
    await expect(refused).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining(
        "Forbidden: send Authorization: Bearer <agent key>; this server takes agent keys only",
      ),
    });
  });

  it("refuses to start when no key is configured and no anonymous access is given", async () => {
    await expect(h.start({ agents: { size: 0, authenticate: () => undefined } })).rejects.toThrow(
      /refusing to serve HTTP on 127\.0\.0\.1 without agent keys/,
    );
  });

  it("answers /healthz without a key and 404 elsewhere", async () => {
    const served = await h.start();
    const health = await raw(served.url, { method: "GET", path: "/healthz" });
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ ok: true });

    const other = await raw(served.url, { method: "GET", path: "/admin" });
    expect(other.status).toBe(404);
    expect(other.headers["content-type"]).toContain("application/json");
    expect(other.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
  });

  it("answers 405 for other methods on /mcp", async () => {
    const served = await h.start();
    const res = await raw(served.url, { method: "PUT", headers: { Authorization: `Bearer ${KEYS.ops}` } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, POST, DELETE");
  });
});

describe("binding", () => {
  it("refuses a non-loopback address without agent keys", async () => {
    const start = startHttpServer({
      serverFor: serverFactory(fakeFly()),
      agents: { size: 0, authenticate: () => undefined },
      host: "0.0.0.0",
      port: 0,
      stateless: true,
      logger: silentLogger(),
    });
    await expect(start).rejects.toThrow(/refusing to serve HTTP on 0\.0\.0\.0 without agent keys/);
  });

  it("rejects nonsense limits", async () => {
    await expect(h.start({ maxSessions: 0 })).rejects.toThrow(/maxSessions/);
  });
});

describe("bearerKey", () => {
  it.each([
    ["Bearer abc", "abc"],
    ["bearer abc ", "abc"],
    ["Bearer  abc", "abc"],
    ["Bearer a b", undefined],
    ["Token abc", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%j -> %j", (header, key) => {
    expect(bearerKey(header)).toBe(key);
  });
});
