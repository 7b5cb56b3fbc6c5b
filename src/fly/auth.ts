/**
 * Fly tokens as `fly auth token` and `fly tokens create` print them: an optional `FlyV1`/`Bearer`
 * scheme, then one or more comma-separated parts. Parts starting `fm1r_`, `fm1a_` or `fm2_` are
 * macaroons; others (e.g. `fo1_` user tokens) are kept only when there is no macaroon, the way
 * Fly's own Go client builds the header for the Machines API.
 */

/** A token that cannot be used; the message names FLY_API_TOKEN and the fix, never the token. */
export class TokenFormatError extends Error {
  override readonly name = "TokenFormatError";
}

export interface ParsedToken {
  macaroons: string[];
  others: string[];
}

const MACAROON = /^(?:fm1r|fm1a|fm2)_[A-Za-z0-9+/=_-]+$/;
const OTHER = /^[A-Za-z0-9+/=_.:~-]+$/;

const FIX =
  "set it again from `fly tokens create ...` or `fly auth token`, on one line: several tokens are joined by commas only";

function describeChar(code: number): string {
  if (code === 0x0a) return "a line break";
  if (code === 0x0d) return "a carriage return";
  if (code === 0x00) return "a NUL byte";
  if (code === 0x09) return "a tab";
  if (code < 0x20 || code === 0x7f) return "a control character";
  return "a non-ASCII character";
}

/** Validates and splits a token; throws {@link TokenFormatError} without echoing any of it. */
export function parseToken(raw: string): ParsedToken {
  const text = raw.trim();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw new TokenFormatError(
        `FLY_API_TOKEN contains ${describeChar(code)} at character ${i + 1}; ${FIX}`,
      );
    }
  }
  let body = text;
  for (let m = /^(?:flyv1|bearer) +/i.exec(body); m; m = /^(?:flyv1|bearer) +/i.exec(body))
    body = body.slice(m[0].length);
  const parts = body
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) throw new TokenFormatError(`FLY_API_TOKEN holds no token; ${FIX}`);
  const macaroons: string[] = [];
  const others: string[] = [];
  parts.forEach((part, i) => {
    const where = parts.length > 1 ? `part ${i + 1} of ${parts.length}` : "the token";
    if (/^fm\d[a-z]*_/.test(part)) {
      if (!MACAROON.test(part)) {
        throw new TokenFormatError(
          `FLY_API_TOKEN: ${where} is not a Fly macaroon (fm1r_, fm1a_ or fm2_ followed by base64); ${FIX}`,
        );
      }
      macaroons.push(part);
    } else if (OTHER.test(part)) others.push(part);
    else
      throw new TokenFormatError(
        `FLY_API_TOKEN: ${where} holds a space or a character no Fly token has; ${FIX}`,
      );
  });
  return { macaroons, others };
}

/** The Authorization header for the Machines API: `FlyV1 <macaroons>`, or `Bearer <token>` without one. */
export function authorizationHeader(rawToken: string): string {
  const { macaroons, others } = parseToken(rawToken);
  return macaroons.length > 0 ? `FlyV1 ${macaroons.join(",")}` : `Bearer ${others.join(",")}`;
}
