import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  argsDigest,
  createStateCodec,
  MIN_STATE_KEY_BYTES,
  StateKeyError,
  stateKeyFrom,
} from "../../src/policy/request-state.js";

const KEY = Buffer.alloc(32, 3);
const state = { id: "id-1", agent: "ops", tool: "machines_delete", args: "d", exp: 2_000 };
const codec = createStateCodec(KEY, () => 1_000);

const b64 = (text: string) => Buffer.from(text).toString("base64url");
/** A token signed by hand the way the server documents it: HMAC over "fly-mcp-confirm." + payload. */
const signedByHand = (payloadText: string, key = KEY) => {
  const payload = b64(payloadText);
  const signature = createHmac("sha256", key).update(`fly-mcp-confirm.${payload}`).digest("base64url");
  return `${payload}.${signature}`;
};

describe("the signed state's wire form", () => {
  it("is the JSON payload and its keyed signature, both base64url, so any replica with the key reads it", () => {
    const token = codec.mint(state);
    expect(token).toBe(
      signedByHand('{"id":"id-1","agent":"ops","tool":"machines_delete","args":"d","exp":2000}'),
    );
    expect(codec.open(signedByHand(JSON.stringify(state)))).toEqual({ ok: true, state });
  });

  it("does not take a bare HMAC of the payload (signatures made with the key for another purpose)", () => {
    const payload = b64(JSON.stringify(state));
    const bare = createHmac("sha256", KEY).update(payload).digest("base64url");
    expect(codec.open(`${payload}.${bare}`)).toEqual({ ok: false, why: "signature" });
  });
});

describe("opening a state the client sent back", () => {
  it("calls anything but exactly payload.signature malformed", () => {
    const token = codec.mint(state);
    const [payload, signature] = token.split(".");
    for (const bad of ["", "no-dot", `${token}.more`, `.${signature}`, `${payload}.`, "."]) {
      expect(codec.open(bad), bad).toEqual({ ok: false, why: "malformed" });
    }
  });

  it("refuses a changed payload, a cut or lengthened signature, without throwing", () => {
    const token = codec.mint(state);
    const [, signature] = token.split(".");
    const raised = b64(JSON.stringify({ ...state, exp: 9_999_999 }));
    expect(codec.open(`${raised}.${signature}`)).toEqual({ ok: false, why: "signature" });
    expect(codec.open(token.slice(0, -4))).toEqual({ ok: false, why: "signature" });
    expect(codec.open(`${token}AAAA`)).toEqual({ ok: false, why: "signature" });
    expect(codec.open(signedByHand(JSON.stringify(state), Buffer.alloc(32, 4)))).toEqual({
      ok: false,
      why: "signature",
    });
  });

  it("calls a correctly signed payload that is not a state malformed", () => {
    const bad = [
      "not json",
      "null",
      '"text"',
      "42",
      JSON.stringify({ ...state, id: 1 }),
      JSON.stringify({ ...state, agent: null }),
      JSON.stringify({ ...state, tool: ["machines_delete"] }),
      JSON.stringify({ ...state, args: {} }),
      JSON.stringify({ ...state, exp: "2000" }),
      JSON.stringify({ agent: "ops", tool: "machines_delete", args: "d", exp: 2_000 }),
    ];
    for (const text of bad)
      expect(codec.open(signedByHand(text)), text).toEqual({ ok: false, why: "malformed" });
  });

  it("checks the signature before the contents: a forged non-state is a signature failure", () => {
    expect(codec.open(`${b64("not json")}.${b64("x".repeat(32))}`)).toEqual({ ok: false, why: "signature" });
  });

  it("uses the injected clock for expiry", () => {
    expect(createStateCodec(KEY, () => 1_999).open(codec.mint(state)).ok).toBe(true);
    expect(createStateCodec(KEY, () => 2_000).open(codec.mint(state))).toEqual({ ok: false, why: "expired" });
  });
});

describe("FLY_MCP_STATE_KEY", () => {
  it("an empty value means a random key of this process only", () => {
    const { key, shared } = stateKeyFrom("");
    expect(shared).toBe(false);
    expect(key).toHaveLength(32);
    expect(stateKeyFrom("").key.equals(key)).toBe(false);
  });

  it("one byte short of 32 is refused with the length and the fix, as a StateKeyError", () => {
    expect(MIN_STATE_KEY_BYTES).toBe(32);
    let caught: unknown;
    try {
      stateKeyFrom("k".repeat(31));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateKeyError);
    expect((caught as Error).name).toBe("StateKeyError");
    expect((caught as Error).message).toBe(
      "FLY_MCP_STATE_KEY is 31 bytes; it must be at least 32 (e.g. openssl rand -hex 32), the same on every replica",
    );
  });

  it("counts bytes, not characters", () => {
    // 16 two-byte characters are 32 bytes.
    expect(stateKeyFrom("é".repeat(16)).shared).toBe(true);
  });
});

describe("the digest of the arguments", () => {
  const sha = (text: string) => createHash("sha256").update(text).digest("base64url");

  it("is sha256 of sorted-key JSON, without undefined fields", () => {
    expect(argsDigest({ machine_id: "m1", app_name: "a", force: undefined })).toBe(
      sha('{"app_name":"a","machine_id":"m1"}'),
    );
    expect(argsDigest({ b: [2, { d: null, c: 0 }], a: false, e: "" })).toBe(
      sha('{"a":false,"b":[2,{"c":0,"d":null}],"e":""}'),
    );
    expect(argsDigest([undefined, 1])).toBe(sha("[null,1]"));
    expect(argsDigest(undefined)).toBe(sha("null"));
    expect(argsDigest({})).toBe(sha("{}"));
  });
});
