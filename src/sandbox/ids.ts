import { createHash, randomBytes, randomFillSync } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

// One syscall for many ids: every sandbox request takes a request id.
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function pick(alphabet: string, n: number): string {
  if (poolUsed + n > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  let out = "";
  for (let i = 0; i < n; i++) out += alphabet[pool[poolUsed + i]! % alphabet.length];
  poolUsed += n;
  return out;
}

/** Machine ids are 14 lowercase hex characters, e.g. `73d8d46dbee589`. */
export const machineId = (): string => randomBytes(7).toString("hex");

/** Volume ids: `vol_` plus 16 lowercase alphanumerics. */
export const volumeId = (): string => `vol_${pick(LOWER_ALNUM, 16)}`;

/** Opaque app ids. */
export const appId = (): string => pick(LOWER_ALNUM, 16);

/** Lease nonces look like Fly's 12-hex examples. */
export const leaseNonce = (): string => randomBytes(6).toString("hex");

let lastUlidMs = 0;
let ulidSeq = 0;

/** 26-character ULID; Fly uses these for machine versions and event ids. Monotonic within a process. */
export function ulid(now = Date.now()): string {
  if (now === lastUlidMs) ulidSeq++;
  else {
    lastUlidMs = now;
    ulidSeq = 0;
  }
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let seq = "";
  let s = ulidSeq;
  for (let i = 0; i < 4; i++) {
    seq = CROCKFORD[s % 32] + seq;
    s = Math.floor(s / 32);
  }
  return time + seq + pick(CROCKFORD, 12);
}

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Readable machine names in Fly's adjective-noun-number style. */
const ADJECTIVES = ["quiet", "bold", "misty", "lively", "rough", "still", "bright", "damp", "icy", "green"];
const NOUNS = ["river", "meadow", "pine", "sun", "frost", "leaf", "wave", "cloud", "stone", "hill"];

export function machineName(): string {
  const [a, b, c] = randomBytes(3);
  return `${ADJECTIVES[a! % ADJECTIVES.length]}-${NOUNS[b! % NOUNS.length]}-${1000 + ((c! * 37) % 9000)}`;
}

export const requestId = (): string => `${ulid()}-iad`;
