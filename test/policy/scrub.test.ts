import { randomBytes } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";
import { registerSecret, scrubJson, scrubText } from "../../src/policy/scrub.js";
import { sendRpcError } from "../../src/transport/http-reply.js";

// Token-shaped fixtures are assembled at run time, never written out.
const part = (prefix: string) => [prefix, randomBytes(60).toString("base64")].join("_");
const A = part("fm2");
const B = part("fm1a");
const USER = part("fo1");
const TOKEN = `FlyV1 ${A},${B}`;

/** Every 8-character piece of `secret`: none may survive. */
function expectGone(text: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i += 4) expect(text).not.toContain(secret.slice(i, i + 8));
}

describe("Fly-token shapes are removed even when the token was never registered", () => {
  it.each([
    ["an Authorization header value", `Authorization: ${TOKEN}`],
    ["a multi-part token printed one part per line", `FlyV1 ${A},\n${B}`],
    [
      "a token inside a nested error JSON",
      JSON.stringify({ error: JSON.stringify({ headers: { authorization: TOKEN } }) }),
    ],
    ["a URL-encoded token", `auth=${encodeURIComponent(TOKEN)}`],
    ["a JSON-escaped slash", `${A.replace(/\//g, "\\/")}`],
    ["a user token", `token ${USER} here`],
  ])("%s", (_what, text) => {
    const out = scrubText(text);
    expect(out).toContain("[redacted]");
    expect(out).not.toMatch(/f[mo]\d[a-z]*_[A-Za-z0-9+/=]{8}/);
  });

  it("ordinary text is left alone", () => {
    for (const text of [
      "machine 148e1234 in app fm-app",
      "the Bearer of news",
      "FlyV1",
      "region fra1_b",
      "fm2",
      "format_x",
    ]) {
      expect(scrubText(text)).toBe(text);
    }
  });
});

describe("a registered token is removed in every form an echo may take", () => {
  registerSecret(`  ${TOKEN}\n`);

  it.each([
    ["whole", TOKEN],
    ["each part alone", `first ${A} then ${B}`],
    ["URL-encoded", encodeURIComponent(TOKEN)],
    [
      "URL-encoded with lowercase hex",
      encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    ],
    ["JSON-escaped inside a string", JSON.stringify(JSON.stringify({ a: TOKEN }))],
  ])("%s", (_what, text) => {
    const out = scrubText(text);
    expectGone(out, A);
    expectGone(out, B);
  });

  it("a copy broken by line wraps keeps no more than a short head and tail of each line", () => {
    const wrapped = (TOKEN.match(/.{1,64}/g) ?? []).join("\n");
    const out = scrubText(wrapped.replace(/fm\d[a-z]*_/g, ""));
    for (const line of out.split("\n")) expect(line.split("[redacted]").join("").length).toBeLessThan(48);
    for (let i = 0; i + 24 <= A.length; i += 4) expect(out).not.toContain(A.slice(i, i + 24));
  });

  it("a copy folded into lines of 15 characters keeps no run of 15 from the token", () => {
    const folded = (TOKEN.match(/.{1,15}/g) ?? []).join("\n");
    const out = scrubText(folded);
    for (let i = 0; i + 15 <= A.length; i += 1) expect(out).not.toContain(A.slice(i, i + 15));
  });

  it.each([0, 1, 2])("base64 of an echoed header, with the token at offset %i mod 3", (shift) => {
    const echoed = Buffer.from(`${"x".repeat(shift)}authorization: ${TOKEN}\r\n`).toString("base64");
    const out = scrubText(`header dump: ${echoed}`);
    expect(out).toContain("[redacted]");
    // The base64 text of the token itself is gone (the few characters at the seams cannot be told apart).
    const encodedToken = Buffer.from(A).toString("base64");
    expect(out).not.toContain(encodedToken.slice(8, 40));
  });

  it("a scrubbed JSON value stays valid JSON and keeps its shape", () => {
    const value = { error: { message: `denied: ${TOKEN}`, list: [A, { deeper: B }] }, ok: 1 };
    const out = scrubJson(value);
    expect(out.ok).toBe(1);
    expect(out.error.list).toHaveLength(2);
    expectGone(JSON.stringify(out), A);
    expectGone(JSON.stringify(out), B);
  });

  it("a value JSON cannot serialise becomes the fallback instead of throwing", () => {
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(scrubJson({ deep }, "fallback")).toBe("fallback");
  });
});

describe("every outbound channel passes the scrubber", () => {
  it("a log line, including someone else's err.message", async () => {
    let written = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        written += chunk.toString();
        done();
      },
    });
    const logger = createLogger("info", sink);
    logger.error(
      { err: new Error(`Headers.append: "${TOKEN}" is an invalid header value`) },
      `failed with ${B}`,
    );
    logger.info({ nested: { deeper: { header: TOKEN } } }, "x");
    await new Promise((r) => setImmediate(r));
    expect(written).toContain("[redacted]");
    expectGone(written, A);
    expectGone(written, B);
  });

  it("an HTTP error body", async () => {
    const server = createHttpServer((_req, res) => sendRpcError(res, 500, -32000, `upstream said ${TOKEN}`));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const body = await res.text();
      expect(JSON.parse(body).error.message).toBe("upstream said [redacted]");
      expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(body));
    } finally {
      server.close();
    }
  });
});
