import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { registerSecret, scrubText } from "../../src/policy/scrub.js";

// A fresh secret per test (registration is process-wide), fixed so every run checks the same text:
// every 10-character window has at least 5 distinct characters, so each counts as a piece.
let made = 0;
const secret = () => `s3cret/${++made}/Kq7Wm2xK9vB4nL8pZr5T+x=y`;

describe("a registered secret is removed in every form it can leave in", () => {
  it("as is, percent-encoded (either case), JSON-escaped", () => {
    const s = secret();
    registerSecret(s);
    expect(scrubText(`a ${s} b`)).toBe("a [redacted] b");
    const encoded = encodeURIComponent(s);
    expect(scrubText(`q=${encoded}`)).toBe("q=[redacted]");
    expect(scrubText(`q=${encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())}`)).toBe("q=[redacted]");
    expect(scrubText(JSON.stringify({ v: s }).replace(/\//g, "\\/"))).not.toContain(s.slice(7, 20));
  });

  it("inside base64 text, at each of the three byte alignments, in both alphabets", () => {
    const s = secret();
    registerSecret(s);
    for (const prefix of ["", "a", "ab"]) {
      const b64 = Buffer.from(`${prefix}${s}tail`).toString("base64");
      const core = b64.slice(4, -8);
      expect(scrubText(b64), `prefix ${JSON.stringify(prefix)}`).not.toContain(core);
      const url = Buffer.from(`${prefix}${s}tail`).toString("base64url");
      expect(scrubText(url), `url prefix ${JSON.stringify(prefix)}`).not.toContain(url.slice(4, -8));
    }
  });

  it("inside base64 text whose alphabet characters differ: + and / become - and _", () => {
    // base64 of "s3cret>>>???" is czNjcmV0Pj4+Pz8/ (standard) and czNjcmV0Pj4-Pz8_ (URL-safe).
    registerSecret("s3cret>>>???");
    expect(scrubText("b64=czNjcmV0Pj4+Pz8/")).toBe("b64=[redacted]");
    expect(scrubText("b64=czNjcmV0Pj4-Pz8_")).toBe("b64=[redacted]");
  });

  it("folded into lines of 11 characters, no line keeps more than a short head and tail", () => {
    const s = secret();
    registerSecret(s);
    const folded = s.match(/.{1,11}/g)!.join("\n");
    const out = scrubText(folded);
    for (const line of out.split("\n")) expect(line.replace("[redacted]", "").length).toBeLessThanOrEqual(10);
    expect(out).toContain("[redacted]");
  });

  it("each comma-separated part, with or without its scheme; short parts are not secrets", () => {
    const a = `partone-${randomBytes(8).toString("hex")}`;
    const b = `parttwo-${randomBytes(8).toString("hex")}`;
    registerSecret(`FlyV1 ${a},${b},short`);
    expect(scrubText(`x ${b} y`)).toBe("x [redacted] y");
    expect(scrubText(`x ${a} y`)).toBe("x [redacted] y");
    expect(scrubText("a short word")).toBe("a short word");
  });

  it("extra secrets are removed as given and trimmed, but not when shorter than 8", () => {
    expect(scrubText("key 1234567 and abcdefgh!", ["1234567", " abcdefgh "])).toBe(
      "key 1234567 and [redacted]!",
    );
  });
});
