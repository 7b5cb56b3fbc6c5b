import { describe, expect, it } from "vitest";
import { registerSecret, scrubJson, scrubText } from "../../src/policy/scrub.js";

describe("scrubJson returns the value itself, a scrubbed copy, or the fallback", () => {
  it("a value with nothing to scrub comes back as the very same object, a Date still a Date", () => {
    const value = { at: new Date(0), n: 1 };
    expect(scrubJson(value)).toBe(value);
  });

  it("a value without JSON text (undefined) comes back as it was", () => {
    expect(scrubJson(undefined)).toBeUndefined();
  });

  it("a registered secret that spells JSON syntax makes the value the fallback, never malformed JSON", () => {
    registerSecret('id":"s3cret-value');
    expect(scrubJson({ id: "s3cret-value" }, "fallback")).toBe("fallback");
    expect(scrubJson({ id: "s3cret-value" })).toBe("[redacted]");
  });
});

describe("a registered secret with characters JSON escapes is removed from JSON text", () => {
  it("as JSON.stringify writes it (slash as is, quote escaped)", () => {
    registerSecret('pa/ss"word-x');
    expect(scrubText('{"v":"a pa/ss\\"word-x b"}')).toBe('{"v":"a [redacted] b"}');
    expect(scrubJson({ v: 'a pa/ss"word-x b' })).toEqual({ v: "a [redacted] b" });
  });

  it("as an encoder that also escapes slashes writes it", () => {
    registerSecret('an/other"secret');
    expect(scrubText('{"v":"a an\\/other\\"secret b"}')).toBe('{"v":"a [redacted] b"}');
  });
});
