import type { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createHeaderGuard, isLoopbackAddress } from "../../src/transport/http-guards.js";
import { harness, initializeBody, KEYS, MCP_HEADERS, raw } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

const auth = { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.ops}` };

describe("Host and Origin on a loopback bind", () => {
  it.each(["localhost", "localhost:9999", "127.0.0.1", "[::1]", "[::1]:8080"])(
    "accepts Host %s",
    async (host) => {
      const served = await h.start();
      const res = await raw(served.url, { headers: { ...auth, Host: host }, body: initializeBody() });
      expect(res.status).toBe(200);
      expect(res.headers["mcp-session-id"]).toBeTruthy();
    },
  );

  it.each(["evil.example", "evil.example:80", "localhost.evil.example", "127.0.0.1.nip.io"])(
    "refuses Host %s with 403",
    async (host) => {
      const served = await h.start();
      const res = await raw(served.url, { headers: { ...auth, Host: host }, body: initializeBody() });
      expect(res.status).toBe(403);
      expect(res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
    },
  );

  it("checks Host before the key, so a rebinding page learns nothing", async () => {
    const served = await h.start();
    const res = await raw(served.url, {
      headers: { ...MCP_HEADERS, Host: "evil.example" },
      body: initializeBody(),
    });
    expect(res.status).toBe(403);
  });

  it.each(["http://localhost:3000", "https://127.0.0.1", "http://[::1]:5173"])(
    "accepts Origin %s",
    async (origin) => {
      const served = await h.start();
      const res = await raw(served.url, { headers: { ...auth, Origin: origin }, body: initializeBody() });
      expect(res.status).toBe(200);
    },
  );

  it.each(["https://evil.example", "null", "http://localhost.evil.example", "file://"])(
    "refuses Origin %s with 403",
    async (origin) => {
      const served = await h.start();
      const res = await raw(served.url, { headers: { ...auth, Origin: origin }, body: initializeBody() });
      expect(res.status).toBe(403);
    },
  );

  it("adds --allowed-hosts and --allowed-origins to the local names", async () => {
    const served = await h.start({
      allowedHosts: ["MCP.example.com"],
      allowedOrigins: ["https://app.example.com/"],
    });
    const ok = await raw(served.url, {
      headers: { ...auth, Host: "mcp.example.com:443", Origin: "https://APP.example.com" },
      body: initializeBody(),
    });
    expect(ok.status).toBe(200);
    const local = await raw(served.url, { headers: { ...auth, Host: "localhost" }, body: initializeBody() });
    expect(local.status).toBe(200);
  });
});

const reqWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("Host and Origin off loopback", () => {
  const guard = createHeaderGuard({
    loopback: false,
    allowedHosts: ["mcp.example.com", "alt.example.com:8443"],
    allowedOrigins: ["https://app.example.com"],
  });

  it("accepts only the listed hosts, with or without port", () => {
    expect(guard(reqWith({ host: "MCP.Example.com" }))).toBeUndefined();
    expect(guard(reqWith({ host: "mcp.example.com:8080" }))).toBeUndefined();
    expect(guard(reqWith({ host: "alt.example.com:8443" }))).toBeUndefined();
    expect(guard(reqWith({ host: "alt.example.com:9000" }))).toMatch(/Host/);
    expect(guard(reqWith({ host: "localhost" }))).toMatch(/--allowed-hosts/);
    expect(guard(reqWith({}))).toMatch(/Host header is required/);
  });

  it("accepts only the listed origins, or none", () => {
    expect(guard(reqWith({ host: "mcp.example.com" }))).toBeUndefined();
    expect(guard(reqWith({ host: "mcp.example.com", origin: "https://app.example.com" }))).toBeUndefined();
    expect(guard(reqWith({ host: "mcp.example.com", origin: "http://localhost:3000" }))).toMatch(/Origin/);
  });

  it("without --allowed-hosts takes any Host but still no foreign Origin", () => {
    const open = createHeaderGuard({ loopback: false });
    expect(open(reqWith({ host: "my-app.fly.dev" }))).toBeUndefined();
    expect(open(reqWith({ host: "my-app.fly.dev", origin: "https://my-app.fly.dev" }))).toMatch(/Origin/);
  });
});

describe("isLoopbackAddress", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
  ])("%s -> %s", (host, expected) => {
    expect(isLoopbackAddress(host)).toBe(expected);
  });
});
