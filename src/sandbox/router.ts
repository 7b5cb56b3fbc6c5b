import type { HttpBindings } from "@hono/node-server";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { Delays } from "./delays.js";
import { ApiError, errorBody } from "./errors.js";
import { requestId } from "./ids.js";
import type { Lifecycle } from "./lifecycle.js";
import type { ResolvedOptions } from "./options.js";
import { type RateLimiter, RULES, type Rule } from "./rate-limit.js";
import type { Store } from "./state.js";
import { denial, parseToken, type TokenInfo } from "./tokens.js";

export interface SandboxEnv {
  Bindings: Partial<HttpBindings>;
  Variables: { token: TokenInfo };
}

export type SandboxRouter = Hono<SandboxEnv>;
export type SandboxContext = Context<SandboxEnv>;

export interface Deps {
  store: Store;
  lifecycle: Lifecycle;
  limiter: RateLimiter;
  options: ResolvedOptions;
  delays: Delays;
}

/** Paths that need no token (security: [] in the spec). */
const PUBLIC = new Set(["/v1/tokens/authorize", "/v1/tokens/authenticate", "/v1/platform/regions"]);

/** A path segment that could escape its place (`..`, an encoded slash) is answered like any unknown path. */
function unsafePath(pathname: string): boolean {
  for (const raw of pathname.split("/").slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return true;
    }
    if (segment === "." || segment === ".." || /[/\\]/.test(segment)) return true;
    if ([...segment].some((ch) => ch.charCodeAt(0) < 0x20)) return true;
  }
  return false;
}

export function createRouter(): SandboxRouter {
  const app = new Hono<SandboxEnv>();
  app.use(async (c, next) => {
    await next();
    c.res.headers.set("fly-request-id", requestId());
  });
  app.use(async (c, next) => {
    if (unsafePath(new URL(c.req.url).pathname)) throw new ApiError(404, "404 page not found");
    if (!PUBLIC.has(c.req.path)) c.set("token", parseToken(c.req.header("authorization")));
    await next();
  });
  app.notFound((c) =>
    c.json({ error: `404 page not found: no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err), err.status as 400, err.headers);
    return c.json({ error: `internal error: ${err.message}` }, 500);
  });
  return app;
}

export interface GuardOptions {
  rule?: Rule;
  /** Exec is the one write an exec-scoped token may make. */
  exec?: boolean;
  /** Acts on the org rather than one app (creating or listing apps). */
  orgWide?: boolean;
  /** Secret-key reads and crypto, the calls a KMS token may make. */
  kms?: boolean;
  /** A read that reveals credentials: scoped like a write, so read-only tokens cannot make it. */
  writeScope?: boolean;
  /**
   * A POST that only computes an answer and changes nothing (placements): scoped like a read, as
   * Fly scopes by what a call does ("a readonly token can only read", Machines API reference).
   */
  readScope?: boolean;
  /** A path that takes no token (PUBLIC): only the rate limit applies. */
  public?: boolean;
  /** Rate-limit key when the path names no machine or app. */
  key?: (c: SandboxContext) => string;
}

/** Per-route checks: token scope, then Fly's per-action rate limit keyed by machine or app id. */
export function guard(deps: Deps, action: string, opts: GuardOptions = {}): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const appName = c.req.param("app_name");
    const reason = opts.public
      ? undefined
      : denial(c.get("token"), {
          method: opts.writeScope ? "POST" : opts.readScope ? "GET" : c.req.method,
          app: appName,
          exec: opts.exec,
          kms: opts.kms,
          orgWide: opts.orgWide,
        });
    if (reason) throw new ApiError(403, reason);
    const key = opts.key?.(c) ?? c.req.param("machine_id") ?? appName ?? "org";
    const wait = deps.limiter.take(`${action}:${key}`, opts.rule ?? RULES.standard);
    // Like Fly, no Retry-After: clients have to know the refill interval.
    if (wait !== undefined) return c.json({ error: "rate limit exceeded" }, 429);
    await next();
  };
}
