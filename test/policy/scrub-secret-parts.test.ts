import { describe, expect, it } from "vitest";
import { registerSecret, scrubText } from "../../src/policy/scrub.js";

// Registration is process-wide: each test registers its own secret, unlike any other here.
describe("registering a secret splits it into the parts that count as secret", () => {
  it("surrounding whitespace is not part of the secret, so the whole is removed as one", () => {
    registerSecret(" first-secret-part,second-secret-part \n");
    expect(scrubText("x first-secret-part,second-secret-part y")).toBe("x [redacted] y");
  });

  it("every leading scheme is removed, one after another", () => {
    registerSecret("Bearer FlyV1 first-secret-x,second-secret-y");
    expect(scrubText("key first-secret-x")).toBe("key [redacted]");
    expect(scrubText("key second-secret-y")).toBe("key [redacted]");
  });

  it("the space after a scheme, however wide, is not part of the secret", () => {
    registerSecret("FlyV1  spaced-out-secret");
    expect(scrubText("key: spaced-out-secret")).toBe("key: [redacted]");
  });

  it("the word bearer inside a secret is part of it, not a scheme", () => {
    registerSecret("key=bearer s3cr3t-99");
    expect(scrubText("key=s3cr3t-99")).toBe("key=s3cr3t-99");
    expect(scrubText("id key=bearer s3cr3t-99")).toBe("id [redacted]");
  });

  it("a space after a comma is not part of the next part", () => {
    registerSecret("FlyV1 first-part-secret, second-part-secret");
    expect(scrubText("got second-part-secret")).toBe("got [redacted]");
  });

  it("a part of exactly 8 characters is a secret; a shorter one is not, in any encoding", () => {
    registerSecret("FlyV1 long-enough-part,8charsok,q/r/s/t");
    expect(scrubText("x 8charsok y")).toBe("x [redacted] y");
    // The 7-character part, percent-encoded, would be 13 characters long: still not a secret.
    expect(scrubText("path=q%2Fr%2Fs%2Ft")).toBe("path=q%2Fr%2Fs%2Ft");
  });
});
