/**
 * Token convention: the token text decides what the token can do, so code that detects scope can be
 * tested without real macaroons. The scheme (`Bearer` or `FlyV1`) does not matter.
 *
 *   sandbox                 org token for `personal`: every app (GET /tokens/current shows `apps: []`)
 *   sandbox-readonly        org-wide, read only: writes answer 403
 *   sandbox-deploy:<app>    app-scoped deploy token: only <app> (apps: [<app>]); cannot create apps
 *   sandbox-exec:<app>      machine-exec token: reads and exec on <app>'s machines, nothing else
 *   sandbox-kms[:<app>]     KMS token (POST /tokens/kms): secret-key reads and crypto only
 *   sandbox-invalid         rejected like a bad token: 401 "Authenticate: token validation error"
 *   anything else           treated like `sandbox` (an org token)
 */
import { createHmac } from "node:crypto";
import type { Context } from "hono";
import { readBody } from "./decode.js";
import { ApiError, badRequest } from "./errors.js";
import { sha256Hex } from "./ids.js";
import type { SandboxEnv, SandboxRouter } from "./router.js";
import { authorizeSpec, oidcSpec } from "./schemas.js";

export type TokenKind = "org" | "readonly" | "deploy" | "exec" | "kms";

export interface TokenInfo {
  kind: TokenKind;
  /** The app a deploy, exec or KMS token is limited to. */
  app?: string;
  orgSlug: string;
  tokenId: string;
  user: string;
}

export const SANDBOX_USER = "sandbox-user@example.com";

const INVALID = new ApiError(401, "Authenticate: token validation error");

/** Reads an Authorization header value; a missing or unusable token is a 401. */
export function parseToken(header: string | undefined): TokenInfo {
  const raw = (header ?? "").trim();
  if (!raw) throw INVALID;
  const token = raw.replace(/^(bearer|flyv1)(\s+|$)/i, "").trim();
  if (!token || token === "sandbox-invalid") throw INVALID;
  const base = { orgSlug: "personal", tokenId: `tok_${sha256Hex(token).slice(0, 16)}`, user: SANDBOX_USER };
  if (token === "sandbox-readonly") return { ...base, kind: "readonly" };
  if (token === "sandbox-kms") return { ...base, kind: "kms" };
  const scoped = /^sandbox-(deploy|exec|kms):([a-z0-9-]+)$/.exec(token);
  if (scoped) return { ...base, kind: scoped[1] as "deploy" | "exec" | "kms", app: scoped[2] };
  return { ...base, kind: "org" };
}

export interface Access {
  method: string;
  app?: string;
  /** True for exec, the one write an exec token may make. */
  exec?: boolean;
  /** Secret-key reads and crypto, all a KMS token may do. */
  kms?: boolean;
  /** Creating an app or reading across the org needs an org token. */
  orgWide?: boolean;
}

/** Why this token may not do this, or undefined when it may. */
export function denial(token: TokenInfo, access: Access): string | undefined {
  const write = access.method !== "GET";
  // Worded like the macaroon library's refusal, which callers match on.
  if (token.kind === "readonly" && write)
    return "unauthorized for action (w not allowed): this token is read-only";
  if (token.kind === "kms") {
    if (!access.kms) return "unauthorized: KMS token can only use secret keys";
    if (token.app && access.app !== token.app) return `unauthorized: token is limited to app "${token.app}"`;
    return undefined;
  }
  if (token.kind === "deploy" || token.kind === "exec") {
    if (access.orgWide && write) return `unauthorized: token is limited to app "${token.app}"`;
    if (access.app && access.app !== token.app) return `unauthorized: token is limited to app "${token.app}"`;
    if (token.kind === "exec" && write && !access.exec)
      return "unauthorized: machine-exec token can only run exec";
  }
  return undefined;
}

const ACTION_READ = 1;
const ACTION_LETTERS: Record<string, number> = { r: 1, w: 2, c: 4, d: 8, C: 16 };

/** Integer bits as the spec types it, or letters as Fly's macaroon library encodes them. */
function actionBits(action: unknown): number {
  if (typeof action === "number") return action;
  if (typeof action !== "string" || !action) return ACTION_READ;
  let bits = 0;
  for (const letter of action) {
    const bit = ACTION_LETTERS[letter];
    if (bit === undefined) throw badRequest(`unknown action letter "${letter}" (use r, w, c, d, C)`);
    bits |= bit;
  }
  return bits;
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** A JWT-shaped OIDC token signed with a fixed sandbox key (HS256). */
export function oidcToken(token: TokenInfo, aud?: string): string {
  const now = Math.floor(Date.now() / 1000);
  const iss = `https://oidc.fly.io/${token.orgSlug}`;
  const app = token.app ?? "*";
  const header = b64url(JSON.stringify({ alg: "HS256", typ: "JWT", kid: "sandbox" }));
  const payload = b64url(
    JSON.stringify({
      iss,
      aud: aud ?? iss,
      sub: `${token.orgSlug}:${app}:sandbox`,
      exp: now + 600,
      iat: now,
      nbf: now,
      jti: sha256Hex(`${token.tokenId}:${now}:${Math.random()}`).slice(0, 32),
      org_name: token.orgSlug,
      app_name: app,
    }),
  );
  const signature = createHmac("sha256", "fly-machines-sandbox")
    .update(`${header}.${payload}`)
    .digest("base64url");
  return `${header}.${payload}.${signature}`;
}

export function registerTokens(app: SandboxRouter): void {
  app.post("/v1/tokens/oidc", async (c) => {
    const body = await readBody<{ aud?: string }>(c, oidcSpec, true);
    return c.text(oidcToken(c.get("token"), body.aud), 200);
  });

  app.get("/v1/tokens/current", (c) => {
    const token = c.get("token");
    return c.json({
      tokens: [
        {
          token_id: token.tokenId,
          org_slug: token.orgSlug,
          organization: token.orgSlug,
          apps: token.app ? [token.app] : [],
          restricted_to_machine: "",
          source_machine_id: "",
          user: token.kind === "org" || token.kind === "readonly" ? token.user : "",
        },
      ],
    });
  });

  // No Authorization needed (security: [] in the spec): it checks the token in the body.
  app.post("/v1/tokens/authorize", async (c: Context<SandboxEnv>) => {
    const body = await readBody<{ header?: string; access?: Record<string, unknown> }>(c, authorizeSpec);
    if (!body.header) throw badRequest("header is required");
    const access = body.access ?? {};
    const token = parseToken(body.header);
    const action = actionBits(access.action);
    const appName = typeof access.app_name === "string" ? access.app_name : undefined;
    const orgSlug = typeof access.org_slug === "string" ? access.org_slug : undefined;
    const command = Array.isArray(access.command) ? (access.command as string[]) : undefined;
    if (orgSlug && orgSlug !== token.orgSlug)
      throw new ApiError(403, `unauthorized: token is for org "${token.orgSlug}"`);
    const reason = denial(token, {
      method: action === ACTION_READ ? "GET" : "POST",
      app: appName,
      exec: Boolean(command?.length),
      orgWide: !appName,
    });
    if (reason) throw new ApiError(403, reason);
    return c.json({
      access: {
        action,
        ...(appName ? { app_feature: access.app_feature ?? "" } : {}),
        ...(typeof access.machine_id === "string" ? { machine: access.machine_id } : {}),
        ...(command ? { command } : {}),
      },
      verified_token: { header: body.header, permission_token: [] },
    });
  });
}
