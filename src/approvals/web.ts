import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "pino";
import { APPROVAL_ID } from "../tools/local-fields.js";
import { APPROVALS_PATH, type Approvals, MAX_REASON_CHARS } from "./service.js";
import { SESSION_COOKIE, type Session, Sessions, SIGN_IN_COOKIE } from "./session.js";
import type { ApprovalView, DecisionKind } from "./types.js";
import { detailPage, listPage, messagePage, STYLE, signInPage } from "./web-pages.js";

export interface ApprovalsWebOptions {
  /** Whether a key belongs to an agent: agent keys are refused here, with a reason. */
  isAgentKey(key: string): boolean;
  /** Origins allowed besides the page's own (--allowed-origins). */
  allowedOrigins?: readonly string[];
  logger: Logger;
}

const COOKIE = { path: APPROVALS_PATH, httpOnly: true, secure: true, sameSite: "Strict" } as const;

const bearer = (header: string | undefined) =>
  header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1] : undefined;

/** What the JSON API and the CLI show of an approval. */
function json(v: ApprovalView) {
  return {
    id: v.id,
    status: v.status,
    agent: v.agent,
    tool: v.tool,
    app: v.app,
    resource: v.resource,
    message: v.message,
    args: v.args,
    created_at: new Date(v.createdAt).toISOString(),
    expires_at: new Date(v.expiresAt).toISOString(),
    ...(v.decision && {
      decision: v.decision.decision,
      approver: v.decision.approver,
      reason: v.decision.reason,
      decided_at: new Date(v.decision.decidedAt).toISOString(),
    }),
  };
}

/**
 * The approvers' side over HTTP: a small web page (signed session cookie, CSRF token on every form,
 * Origin check, strict CSP) and a JSON API for the CLI (Bearer approver key).
 */
export function approvalsApp(approvals: Approvals, opts: ApprovalsWebOptions): Hono {
  const sessions = new Sessions(approvals.now);
  const allowed = new Set((opts.allowedOrigins ?? []).map((o) => o.trim().toLowerCase().replace(/\/+$/, "")));
  const app = new Hono().basePath(APPROVALS_PATH);

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  app.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  // Form posts from another site are refused before anything reads them (besides the CSRF token).
  app.use(
    "*",
    csrf({
      origin: (origin, c) => {
        const host = c.req.header("host")?.toLowerCase();
        if (allowed.has(origin.toLowerCase())) return true;
        try {
          return host !== undefined && new URL(origin).host === host;
        } catch {
          return false;
        }
      },
    }),
  );

  // ---- JSON API for the CLI: Bearer approver key on every request, no cookies.
  const apiAuth = (c: Context): string | Response => {
    const key = bearer(c.req.header("authorization"));
    if (!key) return c.json({ error: "send Authorization: Bearer <approver key>" }, 401);
    if (opts.isAgentKey(key)) {
      opts.logger.warn("approvals API refused an agent key");
      return c.json(
        { error: "this is an agent key; approvals need an approver key (approvers: in the policy)" },
        403,
      );
    }
    const approver = approvals.approverByKey(key);
    if (!approver) return c.json({ error: "the key does not belong to any approver" }, 401);
    return approver.name;
  };
  app.get("/api/pending", async (c) => {
    const who = apiAuth(c);
    if (typeof who !== "string") return who;
    return c.json({ approvals: (await approvals.pending(who)).map(json) });
  });
  app.get("/api/:id", async (c) => {
    const who = apiAuth(c);
    if (typeof who !== "string") return who;
    const v = APPROVAL_ID.test(c.req.param("id")) ? await approvals.get(c.req.param("id")) : undefined;
    if (!v || !approvals.mayDecide(who, v))
      return c.json({ error: `no approval ${c.req.param("id")} for you` }, 404);
    return c.json(json(v));
  });
  app.post("/api/:id/:decision{approve|deny}", async (c) => {
    const who = apiAuth(c);
    if (typeof who !== "string") return who;
    let body: unknown = {};
    if ((c.req.header("content-length") ?? "0") !== "0") body = await c.req.json().catch(() => undefined);
    const reason = (body as { reason?: unknown } | undefined)?.reason;
    if (body === undefined || (reason !== undefined && typeof reason !== "string")) {
      return c.json({ error: 'the body must be JSON like {"reason": "text"} (reason optional)' }, 400);
    }
    if (typeof reason === "string" && reason.length > MAX_REASON_CHARS)
      return c.json({ error: `reason: at most ${MAX_REASON_CHARS} characters` }, 400);
    const id = c.req.param("id");
    if (!APPROVAL_ID.test(id)) return c.json({ error: `no approval ${id}` }, 404);
    const kind: DecisionKind = c.req.param("decision") === "approve" ? "approved" : "denied";
    const done = await approvals.decide(id, who, kind, reason);
    if (!done.ok) return c.json({ error: done.message }, done.status);
    return c.json(json(done.view));
  });

  // ---- Web page.
  app.get("/assets/style.css", (c) => c.body(STYLE, 200, { "Content-Type": "text/css; charset=utf-8" }));

  const signedIn = (c: Context): Session | undefined => {
    const session = sessions.verify(getCookie(c, SESSION_COOKIE));
    return session && approvals.isApprover(session.approver) ? session : undefined;
  };
  const who = (s: Session) => ({ approver: s.approver, csrf: sessions.csrf(s) });
  const showSignIn = (c: Context, status: 200 | 401 | 403, problem?: string) => {
    const pair = sessions.signInPair();
    setCookie(c, SIGN_IN_COOKIE, pair.cookie, { ...COOKIE, maxAge: 600 });
    return c.html(signInPage(pair.csrf, problem), status);
  };
  const form = async (c: Context): Promise<Record<string, string>> => {
    const body = await c.req.parseBody().catch(() => ({}));
    return Object.fromEntries(
      Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  };

  app.get("/", async (c) => {
    const s = signedIn(c);
    if (!s) return showSignIn(c, 200);
    const decided = c.req.query("decided");
    const v = decided && APPROVAL_ID.test(decided) ? await approvals.get(decided) : undefined;
    const notice = v?.decision ? `${v.tool} by ${v.agent}: ${v.decision.decision}.` : undefined;
    return c.html(listPage(await approvals.pending(s.approver), who(s), notice));
  });
  app.post("/sign-in", async (c) => {
    const fields = await form(c);
    if (!sessions.checkSignIn(getCookie(c, SIGN_IN_COOKIE), fields.csrf)) {
      return showSignIn(c, 403, "The sign-in form expired or came from elsewhere; try again.");
    }
    const key = fields.key?.trim() ?? "";
    if (key && opts.isAgentKey(key)) {
      opts.logger.warn("approvals page refused an agent key");
      return showSignIn(
        c,
        403,
        "That is an agent key. Approvals need an approver key (approvers: in the policy file).",
      );
    }
    const approver = key ? approvals.approverByKey(key) : undefined;
    if (!approver) return showSignIn(c, 401, "That key does not belong to any approver.");
    setCookie(c, SESSION_COOKIE, sessions.issue(approver.name), {
      ...COOKIE,
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    setCookie(c, SIGN_IN_COOKIE, "", { ...COOKIE, maxAge: 0 });
    opts.logger.info({ approver: approver.name }, "approver signed in");
    return c.redirect(APPROVALS_PATH, 303);
  });
  app.post("/sign-out", async (c) => {
    const s = signedIn(c);
    if (s && sessions.checkCsrf(s, (await form(c)).csrf))
      setCookie(c, SESSION_COOKIE, "", { ...COOKIE, maxAge: 0 });
    return c.redirect(APPROVALS_PATH, 303);
  });
  app.get("/:id", async (c) => {
    const s = signedIn(c);
    if (!s) return showSignIn(c, 401, "Sign in to see this approval.");
    const id = c.req.param("id");
    const v = APPROVAL_ID.test(id) ? await approvals.get(id) : undefined;
    if (!v || !approvals.mayDecide(s.approver, v))
      return c.html(messagePage("Not found", `No approval ${id} for you.`, who(s)), 404);
    return c.html(detailPage(v, who(s), true));
  });
  app.post("/:id/:decision{approve|deny}", async (c) => {
    const s = signedIn(c);
    if (!s) return showSignIn(c, 401, "Sign in first.");
    const fields = await form(c);
    if (!sessions.checkCsrf(s, fields.csrf)) {
      opts.logger.warn({ approver: s.approver }, "approval form without a valid CSRF token refused");
      return c.html(
        messagePage("Refused", "The form expired or came from elsewhere; nothing was decided.", who(s)),
        403,
      );
    }
    const id = c.req.param("id");
    if (!APPROVAL_ID.test(id)) return c.html(messagePage("Not found", `No approval ${id}.`, who(s)), 404);
    const kind: DecisionKind = c.req.param("decision") === "approve" ? "approved" : "denied";
    const done = await approvals.decide(id, s.approver, kind, fields.reason?.slice(0, MAX_REASON_CHARS));
    if (!done.ok) return c.html(messagePage("Not decided", done.message, who(s)), done.status);
    return c.redirect(`${APPROVALS_PATH}?decided=${id}`, 303);
  });
  app.notFound((c) => c.html(messagePage("Not found", "No such page."), 404));
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      opts.logger.warn({ status: error.status, origin: c.req.header("origin") }, "approvals request refused");
      return c.text(
        "Forbidden: this form must be sent from the approvals page itself; nothing was decided.",
        403,
      );
    }
    opts.logger.error({ err: error }, "approvals page failed");
    return c.text("Internal error; nothing was decided.", 500);
  });
  return app;
}

/** Mounts /approvals on the node HTTP server: one value the transport routes to. */
export function mountApprovals(approvals: Approvals, opts: ApprovalsWebOptions) {
  const listener = getRequestListener(approvalsApp(approvals, opts).fetch);
  return {
    handles: (path: string) => path === APPROVALS_PATH || path.startsWith(`${APPROVALS_PATH}/`),
    handle: (req: IncomingMessage, res: ServerResponse) => listener(req, res),
    /** The address the server listens on, for the links agents are given. */
    listening: (origin: string) => approvals.listening(origin),
  };
}
