import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "fmm_approver";
export const SIGN_IN_COOKIE = "fmm_sign_in";
export const SESSION_TTL_MS = 8 * 60 * 60_000;

export interface Session {
  approver: string;
  /** Random per sign-in; the CSRF token is derived from it. */
  nonce: string;
  expiresAt: number;
}

const b64 = (data: string | Buffer) => Buffer.from(data).toString("base64url");

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Signed approver sessions and their CSRF tokens. The cookie holds the approver's name, an expiry
 * and a nonce under an HMAC with a per-process secret: never the key, and a restart signs everyone out.
 */
export class Sessions {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly now: () => number,
    readonly ttlMs = SESSION_TTL_MS,
  ) {}

  private mac(purpose: string, text: string): string {
    return createHmac("sha256", this.secret).update(`${purpose}\n${text}`).digest("base64url");
  }

  issue(approver: string): string {
    const body = b64(JSON.stringify({ a: approver, e: this.now() + this.ttlMs, n: b64(randomBytes(16)) }));
    return `${body}.${this.mac("session", body)}`;
  }

  verify(token: string | undefined): Session | undefined {
    if (!token) return undefined;
    const [body, mac, extra] = token.split(".");
    if (!body || !mac || extra !== undefined || !sameText(mac, this.mac("session", body))) return undefined;
    try {
      const { a, e, n } = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Record<
        string,
        unknown
      >;
      if (typeof a !== "string" || typeof e !== "number" || typeof n !== "string" || e <= this.now())
        return undefined;
      return { approver: a, nonce: n, expiresAt: e };
    } catch {
      return undefined;
    }
  }

  /** The form token of a signed-in session. */
  csrf(session: Session): string {
    return this.mac("csrf", session.nonce);
  }

  checkCsrf(session: Session, token: unknown): boolean {
    return typeof token === "string" && sameText(token, this.csrf(session));
  }

  /** Before sign-in: a random cookie and the form token bound to it. */
  signInPair(): { cookie: string; csrf: string } {
    const cookie = b64(randomBytes(16));
    return { cookie, csrf: this.mac("sign-in", cookie) };
  }

  checkSignIn(cookie: string | undefined, token: unknown): boolean {
    return !!cookie && typeof token === "string" && sameText(token, this.mac("sign-in", cookie));
  }
}
