import { createRemoteJWKSet, customFetch, errors, type JWTPayload, jwtVerify } from "jose";

/** What the server knows about a caller once its access token checked out. */
export interface TokenClaims {
  iss: string;
  sub: string;
  client_id?: string;
  scopes: string[];
  groups: string[];
}

/** Why a token was refused; `description` is safe to send back (it never quotes the token). */
export interface TokenRejection {
  rejected: true;
  /** `unavailable`: the authorization server could not be reached, so nothing could be checked. */
  kind: "invalid" | "unavailable";
  description: string;
}

export interface TokenValidator {
  validate(token: string): Promise<TokenClaims | TokenRejection>;
  /** Loads the issuer's metadata (and so its JWKS location) ahead of the first call. */
  discover(): Promise<void>;
}

export interface TokenValidatorOptions {
  issuer: string;
  audience: string;
  /** RFC 7662 credentials, for issuers whose access tokens are opaque. */
  introspection?: { clientId: string; clientSecret: string };
  /** Seconds of clock skew accepted on exp and nbf. */
  clockToleranceS?: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** Minimum time between two JWKS downloads (an unknown key id triggers one). */
  jwksCooldownMs?: number;
  timeoutMs?: number;
}

export const OAUTH_DEFAULTS = { clockToleranceS: 30, jwksCooldownMs: 30_000, timeoutMs: 5_000 } as const;

// Signed with a key pair only: a shared-secret algorithm would let anyone holding the JWKS mint tokens.
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
}

/** RFC 8414 inserts the well-known segment before the issuer's path; OpenID Connect appends it. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const base = issuer.replace(/\/$/, "");
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${base}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/openid-configuration${path}`,
  ];
}

const reject = (description: string, kind: TokenRejection["kind"] = "invalid"): TokenRejection => ({
  rejected: true,
  kind,
  description,
});

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const stringList = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === "string")
    : typeof value === "string"
      ? [value]
      : [];

/** `scope` is space-separated (RFC 9068, RFC 7662); some issuers send `scp` as a list instead. */
function claimsOf(
  payload: JWTPayload & Record<string, unknown>,
  issuer: string,
): TokenClaims | TokenRejection {
  const sub = typeof payload.sub === "string" && payload.sub !== "" ? payload.sub : undefined;
  const clientId = typeof payload.client_id === "string" ? payload.client_id : undefined;
  // A client-credentials token may name only its client; the client is then the subject.
  const subject = sub ?? clientId;
  if (!subject) return reject("the token names no subject (sub or client_id)");
  const scopes =
    typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : stringList(payload.scp);
  const claims: TokenClaims = { iss: issuer, sub: subject, scopes, groups: stringList(payload.groups) };
  if (clientId) claims.client_id = clientId;
  return claims;
}

function describeJoseError(error: unknown): TokenRejection {
  if (error instanceof errors.JWTExpired) return reject("the token expired; get a new one");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return reject("the token was issued for another resource (aud)");
    if (error.claim === "iss") return reject("the token comes from another issuer (iss)");
    if (error.claim === "nbf") return reject("the token is not valid yet (nbf)");
    return reject(`the token's ${error.claim} claim is not acceptable`);
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return reject("the token is signed with a key the issuer does not publish");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return reject("the token's signature does not verify");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return reject("the token is signed with an algorithm that is not accepted");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return reject("the issuer's signing keys could not be loaded", "unavailable");
  if (error instanceof errors.JOSEError) return reject("the token is not a valid signed JWT");
  return reject("the issuer's signing keys could not be loaded", "unavailable");
}

/** Checks access tokens locally against the issuer's JWKS, or by introspection when they are opaque. */
export function createTokenValidator(opts: TokenValidatorOptions): TokenValidator {
  const { issuer, audience } = opts;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? OAUTH_DEFAULTS.timeoutMs;
  const tolerance = opts.clockToleranceS ?? OAUTH_DEFAULTS.clockToleranceS;
  let metadata: Promise<IssuerMetadata> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  async function fetchMetadata(): Promise<IssuerMetadata> {
    const problems: string[] = [];
    for (const url of metadataUrls(issuer)) {
      let res: Response;
      try {
        res = await doFetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { Accept: "application/json" },
        });
      } catch (error) {
        problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
        continue;
      }
      if (!res.ok) {
        problems.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      const doc = (await res.json().catch(() => undefined)) as Partial<IssuerMetadata> | undefined;
      // RFC 8414 section 3.3: metadata that names another issuer must not be used.
      if (doc?.issuer !== issuer) {
        problems.push(`${url}: names issuer ${JSON.stringify(doc?.issuer)}, not ${issuer}`);
        continue;
      }
      return doc as IssuerMetadata;
    }
    throw new Error(`no authorization server metadata for ${issuer}: ${problems.join("; ")}`);
  }

  function loadMetadata(): Promise<IssuerMetadata> {
    if (!metadata) {
      metadata = fetchMetadata();
      // A failed discovery is retried on the next call instead of being remembered.
      metadata.catch(() => {
        metadata = undefined;
      });
    }
    return metadata;
  }

  async function keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (jwks) return jwks;
    const { jwks_uri } = await loadMetadata();
    if (!jwks_uri) throw new Error(`the metadata of ${issuer} has no jwks_uri`);
    jwks = createRemoteJWKSet(new URL(jwks_uri), {
      cooldownDuration: opts.jwksCooldownMs ?? OAUTH_DEFAULTS.jwksCooldownMs,
      timeoutDuration: timeoutMs,
      [customFetch]: doFetch,
    });
    return jwks;
  }

  async function viaJwt(token: string): Promise<TokenClaims | TokenRejection> {
    let keys: ReturnType<typeof createRemoteJWKSet>;
    try {
      keys = await keySet();
    } catch {
      return reject(`the authorization server ${issuer} could not be reached`, "unavailable");
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience,
        algorithms: ALGORITHMS,
        clockTolerance: tolerance,
        currentDate: new Date(now()),
        requiredClaims: ["exp"],
      });
      return claimsOf(payload, issuer);
    } catch (error) {
      return describeJoseError(error);
    }
  }

  async function viaIntrospection(
    token: string,
    creds: { clientId: string; clientSecret: string },
  ): Promise<TokenClaims | TokenRejection> {
    let endpoint: string | undefined;
    try {
      endpoint = (await loadMetadata()).introspection_endpoint;
    } catch {
      return reject(`the authorization server ${issuer} could not be reached`, "unavailable");
    }
    if (!endpoint) return reject(`${issuer} publishes no introspection_endpoint`, "unavailable");
    let body: Record<string, unknown>;
    try {
      const basic = Buffer.from(
        `${encodeURIComponent(creds.clientId)}:${encodeURIComponent(creds.clientSecret)}`,
      ).toString("base64");
      const res = await doFetch(endpoint, {
        method: "POST",
        headers: {
          Authorization: `Basic ${basic}`,
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) return reject(`token introspection answered HTTP ${res.status}`, "unavailable");
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      return reject(`token introspection at ${issuer} failed`, "unavailable");
    }
    if (body.active !== true) return reject("the token is not active (expired or revoked)");
    if (body.iss !== undefined && body.iss !== issuer)
      return reject("the token comes from another issuer (iss)");
    // Fail closed: a token that does not say it was issued for this server is not taken.
    if (!stringList(body.aud).includes(audience))
      return reject("the token was issued for another resource (aud)");
    const t = now() / 1000;
    if (typeof body.exp === "number" && body.exp + tolerance <= t)
      return reject("the token expired; get a new one");
    if (typeof body.nbf === "number" && body.nbf - tolerance > t)
      return reject("the token is not valid yet (nbf)");
    return claimsOf(body, issuer);
  }

  return {
    async discover() {
      await loadMetadata();
    },
    validate(token) {
      if (JWT_SHAPE.test(token)) return viaJwt(token);
      if (opts.introspection) return viaIntrospection(token, opts.introspection);
      return Promise.resolve(
        reject("the token is not a JWT and this server has no introspection credentials to check it"),
      );
    },
  };
}
