import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

/**
 * Signed `requestState` for confirmation by round trip. The client holds it between the two calls
 * and may change it, so it is HMAC-SHA256 signed and checked before anything in it is believed.
 * Signed, not encrypted: it names the agent and tool, never a secret (the arguments only as a digest).
 */
export interface ConfirmState {
  /** Single-use id, claimed in the store when the confirmation is spent. */
  id: string;
  agent: string;
  tool: string;
  /** sha256 of the validated arguments: a different call cannot reuse the answer. */
  args: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export type OpenedState =
  | { ok: true; state: ConfirmState }
  | { ok: false; why: "malformed" | "signature" | "expired" };

/** Shortest accepted FLY_MCP_STATE_KEY, in bytes (HMAC-SHA256 wants at least its output size). */
export const MIN_STATE_KEY_BYTES = 32;

export class StateKeyError extends Error {
  override readonly name = "StateKeyError";
}

/** The signing key from FLY_MCP_STATE_KEY (any text of at least 32 bytes), or a random one per process. */
export function stateKeyFrom(value: string | undefined): { key: Buffer; shared: boolean } {
  if (value === undefined || value === "") return { key: randomBytes(32), shared: false };
  const key = Buffer.from(value, "utf8");
  if (key.length < MIN_STATE_KEY_BYTES) {
    // Never echo the value: only its length says what is wrong.
    throw new StateKeyError(
      `FLY_MCP_STATE_KEY is ${key.length} bytes; it must be at least ${MIN_STATE_KEY_BYTES} (e.g. openssl rand -hex 32), the same on every replica`,
    );
  }
  return { key, shared: true };
}

export const argsDigest = (args: unknown): string =>
  createHash("sha256").update(canonicalJson(args)).digest("base64url");

export interface StateCodec {
  mint(state: ConfirmState): string;
  open(token: string): OpenedState;
}

const isState = (v: unknown): v is ConfirmState => {
  const s = v as Partial<ConfirmState> | null;
  return (
    typeof s === "object" &&
    s !== null &&
    typeof s.id === "string" &&
    typeof s.agent === "string" &&
    typeof s.tool === "string" &&
    typeof s.args === "string" &&
    typeof s.exp === "number"
  );
};

/** `payload.signature`, both base64url; `now` is injectable so expiry is tested without waiting. */
export function createStateCodec(key: Buffer, now: () => number = Date.now): StateCodec {
  const sign = (payload: string) => createHmac("sha256", key).update(`fly-mcp-confirm.${payload}`).digest();
  return {
    mint(state) {
      const payload = Buffer.from(JSON.stringify(state)).toString("base64url");
      return `${payload}.${sign(payload).toString("base64url")}`;
    },
    open(token) {
      const [payload, signature, extra] = token.split(".");
      if (!payload || !signature || extra !== undefined) return { ok: false, why: "malformed" };
      const given = Buffer.from(signature, "base64url");
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, why: "signature" };
      let state: unknown;
      try {
        state = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        return { ok: false, why: "malformed" };
      }
      if (!isState(state)) return { ok: false, why: "malformed" };
      if (state.exp <= now()) return { ok: false, why: "expired" };
      return { ok: true, state };
    },
  };
}
