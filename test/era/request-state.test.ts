import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { argsDigest, createStateCodec, StateKeyError, stateKeyFrom } from "../../src/policy/request-state.js";

const state = { id: "id-1", agent: "ops", tool: "machines_delete", args: "d", exp: 2_000 };

describe("signed round-trip state", () => {
  it("opens what it minted, until its expiry and not at it", () => {
    const clock = { now: 1_000 };
    const codec = createStateCodec(randomBytes(32), () => clock.now);
    const token = codec.mint(state);
    expect(codec.open(token)).toEqual({ ok: true, state });
    clock.now = 1_999;
    expect(codec.open(token).ok).toBe(true);
    clock.now = 2_000;
    expect(codec.open(token)).toEqual({ ok: false, why: "expired" });
  });

  it("refuses a state signed with another key", () => {
    const token = createStateCodec(randomBytes(32)).mint(state);
    expect(createStateCodec(randomBytes(32)).open(token)).toEqual({ ok: false, why: "signature" });
  });

  it("digests equal arguments equally, whatever their key order, and different ones differently", () => {
    expect(argsDigest({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(
      argsDigest({ b: { d: "x", c: [1, 2] }, a: 1 }),
    );
    expect(argsDigest({ a: 1 })).not.toBe(argsDigest({ a: "1" }));
    expect(argsDigest({ a: [1, 2] })).not.toBe(argsDigest({ a: [2, 1] }));
    expect(argsDigest({ a: 1, force: true })).not.toBe(argsDigest({ a: 1 }));
  });

  it("takes FLY_MCP_STATE_KEY of 32 bytes or more, refuses a shorter one without echoing it", () => {
    const long = "k".repeat(32);
    expect(stateKeyFrom(long)).toEqual({ key: Buffer.from(long), shared: true });
    expect(stateKeyFrom(undefined).shared).toBe(false);
    expect(stateKeyFrom(undefined).key).toHaveLength(32);
    const short = "s3cret-but-short";
    expect(() => stateKeyFrom(short)).toThrow(StateKeyError);
    expect(() => stateKeyFrom(short)).toThrow(/16 bytes; it must be at least 32/);
    try {
      stateKeyFrom(short);
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
  });
});
