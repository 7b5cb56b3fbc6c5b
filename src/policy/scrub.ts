import { REDACTED } from "./secrets.js";

/**
 * The one outbound scrubber. Everything that leaves the process (MCP messages, log and audit
 * lines, HTTP error bodies) passes through `scrubText`: it removes the secrets registered here
 * (the Fly token, each of its parts, and their URL-encoded, JSON-escaped and base64 forms) and
 * anything shaped like a Fly token, whoever wrote the text (Fly, a proxy, a library).
 */

// Shorter strings would match ordinary text.
const MIN_SECRET_LENGTH = 8;

// A token character as it may appear in echoed text: raw, percent-encoded, or JSON-escaped `/`.
const TOKEN_CHAR = String.raw`(?:[A-Za-z0-9_+/=.-]|%[0-9A-Fa-f]{2}|\\/)`;

/** Fly macaroons (`fm1r_`, `fm1a_`, `fm2_`), Fly user tokens (`fo1_`), and Authorization values. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bFlyV1(?:\s|%20|\+)+[^\s"'\\<>]+/gi,
  new RegExp(String.raw`\bBearer(?:\s|%20|\+)+${TOKEN_CHAR}{16,}`, "g"),
  new RegExp(String.raw`f[mo]\d[a-z]*_${TOKEN_CHAR}{8,}`, "g"),
];

const registered = new Set<string>();
let variants: string[] = [];

/**
 * Substrings that appear in the base64 of any text containing `secret`, for each of the 3 alignments.
 * For a secret of 8 or more bytes (every registered part) each is at least 10 characters long.
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad), bytes]).toString("base64");
    const core = encoded.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
    cores.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return cores;
}

// Pieces of a long secret, overlapping, so a copy folded into lines of 11 characters or more keeps
// at most a short head and tail of each line. Pieces with few distinct characters (runs of `A` in a
// macaroon's header) would match ordinary data, so they are left out.
const PIECE = 10;
const PIECE_STEP = 2;
const MIN_DISTINCT = 5;

function piecesOf(secret: string): string[] {
  const pieces: string[] = [];
  if (secret.length <= PIECE * 2) return pieces;
  for (let i = 0; i + PIECE <= secret.length; i += PIECE_STEP) {
    const piece = secret.slice(i, i + PIECE);
    if (new Set(piece).size >= MIN_DISTINCT) pieces.push(piece);
  }
  return pieces;
}

function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [
    secret,
    encodeURIComponent(secret),
    // Percent-encoding is case-insensitive (RFC 3986): `%2f` is `%2F`.
    encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
    // As JSON.stringify writes it, and as encoders that also escape `/` do.
    json,
    json.replace(/\//g, "\\/"),
    ...base64Cores(secret),
    ...piecesOf(secret),
  ];
}

/**
 * Registers an exact secret never to let out: the whole string, and each comma-separated part
 * with any `FlyV1`/`Bearer` scheme removed, so a multi-part token is caught whole or in pieces.
 */
export function registerSecret(secret: string): void {
  const whole = secret.trim();
  const unschemed = whole.replace(/^(?:(?:flyv1|bearer)\s+)+/i, "");
  const parts = [whole, unschemed, ...unschemed.split(",").map((p) => p.trim())];
  let added = false;
  for (const part of parts) {
    if (part.length < MIN_SECRET_LENGTH || registered.has(part)) continue;
    registered.add(part);
    added = true;
  }
  if (!added) return;
  // Longest first, so a whole token is replaced before its parts would split it. Every form of a
  // part of 8 or more characters is itself at least 8 long (encodings only lengthen; base64 cores
  // and pieces are 10 or more), so none would match ordinary short text.
  variants = [...new Set([...registered].flatMap(formsOf))].sort((a, b) => b.length - a.length);
}

/** Every Fly-token-shaped string in `text`, as each pattern would match it. */
export function flyTokensIn(text: string): string[] {
  return TOKEN_PATTERNS.flatMap((pattern) => text.match(pattern) ?? []);
}

/**
 * Removes registered secrets and Fly-token-shaped strings from one string. `keep` spares exact
 * token-shaped matches (minted tokens the agent asked for); registered secrets are removed anyway.
 */
export function scrubText(
  text: string,
  extraSecrets: readonly string[] = [],
  keep?: ReadonlySet<string>,
): string {
  let out = text;
  for (const secret of extraSecrets) {
    for (const form of new Set([secret, secret.trim()])) {
      if (form.length >= MIN_SECRET_LENGTH) out = out.split(form).join(REDACTED);
    }
  }
  for (const form of variants) {
    if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS)
    out = out.replace(pattern, (match) => (keep?.has(match) ? match : REDACTED));
  return out;
}

/**
 * A scrubbed copy of any JSON value (the replacement holds no JSON syntax, so scrubbing the
 * serialised text is safe). A value JSON cannot serialise (too deep, cyclic) becomes `fallback`.
 */
export function scrubJson<T>(value: T, fallback: unknown = REDACTED, keep?: ReadonlySet<string>): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return fallback as T;
  }
  if (text === undefined) return value;
  const scrubbed = scrubText(text, [], keep);
  if (scrubbed === text) return value;
  try {
    return JSON.parse(scrubbed) as T;
  } catch {
    return fallback as T;
  }
}
