import { describe, expect, it } from "vitest";
import { registerSecret, scrubText } from "../../src/policy/scrub.js";

// A secret longer than 20 characters is also removed in overlapping 10-character pieces, so a copy
// folded across lines is caught; shorter stretches, and pieces of ordinary-looking runs, are not.
describe("pieces of a long registered secret", () => {
  it("a secret of 20 characters is removed only whole, not by a 10-character stretch", () => {
    registerSecret("Kq7wZ2pL9xR4mT6vB3nY");
    expect(scrubText("id Kq7wZ2pL9x")).toBe("id Kq7wZ2pL9x");
    expect(scrubText("id Kq7wZ2pL9xR4mT6vB3nY")).toBe("id [redacted]");
  });

  it("the last 10 characters of a 22-character secret are a piece; its last 8 are not", () => {
    registerSecret("Hs8dJ3kP5qW7zX1cV4bN6m");
    expect(scrubText("tail zX1cV4bN6m")).toBe("tail [redacted]");
    expect(scrubText("tail 1cV4bN6m")).toBe("tail 1cV4bN6m");
  });

  it("a run of few distinct characters (a macaroon header's A's) is not a piece", () => {
    registerSecret("AAAAAAAAAAAAAAAAq7Wz3Kp9");
    expect(scrubText("header AAAAAAAAAAAA")).toBe("header AAAAAAAAAAAA");
    expect(scrubText("tail AAAAAAq7Wz")).toBe("tail [redacted]");
  });
});
