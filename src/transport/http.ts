import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import { APPROVALS_PATH, type Approvals } from "../approvals/service.js";
import { mountApprovals } from "../approvals/web.js";
import type { AccessControl } from "../server.js";
import type { AgentDirectory } from "./http-agents.js";
import { bearerKey, createHeaderGuard, isLoopbackAddress } from "./http-guards.js";
import { type AgentIdentity, createMcpHandler } from "./http-mcp.js";
import { RPC, sendJson, sendRpcError } from "./http-reply.js";
import { SessionStore, type SharedSessions } from "./http-sessions.js";
import type { AuthRefusal, OAuthResourceServer } from "./oauth.js";

export { type AgentDirectory, type AgentDirectoryOptions, createAgentDirectory } from "./http-agents.js";
export { isLoopbackAddress } from "./http-guards.js";
export type { AgentIdentity } from "./http-mcp.js";
export { type CloseOnSignalsOptions, closeOnSignals } from "./http-signals.js";

export const MCP_PATH = "/mcp";
export const HEALTH_PATH = "/healthz";
export const REALM = "fly-machines-mcp";

export interface HttpServerOptions {
  /** Builds the MCP server for one agent, e.g. `runtime.serverFor`. */
  serverFor: (access: AccessControl) => McpServer;
  agents: AgentDirectory;
  /**
   * Served without a key: the operator's explicit opt-in (--allow-keyless-loopback) for local
   * development. Only on loopback and only when no agent has a key; otherwise start-up fails.
   */
  anonymous?: AccessControl;
  /** Access tokens from an OAuth authorization server, beside agent keys (--oauth-issuer). */
  oauth?: OAuthResourceServer;
  host: string;
  port: number;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  stateless: boolean;
  maxSessions?: number;
  /** So one agent (or one leaked key) cannot take every session. */
  maxSessionsPerAgent?: number;
  /** With --redis-url: the per-agent cap counts every replica's sessions. */
  sharedSessions?: SharedSessions;
  sessionIdleMs?: number;
  maxBodyBytes?: number;
  /** Time to receive a request's headers. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, body included; answered with 408 after it. */
  requestTimeoutMs?: number;
  /** Open sockets; connections beyond it are dropped as they arrive. */
  maxConnections?: number;
  /** How long close() waits for in-flight requests. */
  shutdownGraceMs?: number;
  /** Pending approvals: serves /approvals for approvers (destructive: approve). */
  approvals?: Approvals;
  logger: Logger;
}

export interface HttpServerHandle {
  /** The MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  url: string;
  /** Stops accepting, lets in-flight requests finish (bounded), closes sessions. Idempotent. */
  close(): Promise<void>;
}

export const HTTP_DEFAULTS = {
  maxSessions: 100,
  maxSessionsPerAgent: 20,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 512,
  sessionIdleMs: 15 * 60_000,
  maxBodyBytes: 1024 * 1024,
  shutdownGraceMs: 10_000,
} as const;

/** A setting that stops the HTTP server from starting; the CLI exits with code 2. */
export class HttpConfigError extends Error {
  override readonly name = "HttpConfigError";
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new HttpConfigError(`HTTP transport: ${name} must be a positive number`);
  return value;
}

function urlOf(addr: AddressInfo): string {
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}${MCP_PATH}`;
}

/** Serves MCP over Streamable HTTP: bearer agent keys, Host/Origin checks, sessions or stateless. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const { logger } = opts;
  const maxSessions = positive("maxSessions", opts.maxSessions ?? HTTP_DEFAULTS.maxSessions);
  const sessionIdleMs = positive("sessionIdleMs", opts.sessionIdleMs ?? HTTP_DEFAULTS.sessionIdleMs);
  const maxBodyBytes = positive("maxBodyBytes", opts.maxBodyBytes ?? HTTP_DEFAULTS.maxBodyBytes);
  const graceMs = positive("shutdownGraceMs", opts.shutdownGraceMs ?? HTTP_DEFAULTS.shutdownGraceMs);
  const maxPerAgent = positive(
    "maxSessionsPerAgent",
    opts.maxSessionsPerAgent ?? HTTP_DEFAULTS.maxSessionsPerAgent,
  );
  const requestTimeoutMs = positive(
    "requestTimeoutMs",
    opts.requestTimeoutMs ?? HTTP_DEFAULTS.requestTimeoutMs,
  );
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeoutMs = Math.min(
    requestTimeoutMs,
    positive("headersTimeoutMs", opts.headersTimeoutMs ?? HTTP_DEFAULTS.headersTimeoutMs),
  );
  const maxConnections = positive("maxConnections", opts.maxConnections ?? HTTP_DEFAULTS.maxConnections);
  const loopback = isLoopbackAddress(opts.host);

  // Fail closed: a server nobody must authenticate to is only ever an explicit, local choice.
  const { oauth } = opts;
  const anonymous = opts.agents.size === 0 && !oauth ? opts.anonymous : undefined;
  if (opts.agents.size === 0 && !anonymous && !oauth) {
    throw new HttpConfigError(
      `refusing to serve HTTP on ${opts.host} without agent keys: no agent in --policy has a key_sha256, so anyone who can reach the port ` +
        'could use the Fly token. Give each HTTP agent a key (printf %s "$KEY" | fly-machines-mcp hash-key, then ' +
        "key_sha256: <hash> in the --policy file); for local development only, --allow-keyless-loopback serves the " +
        "flag policy without a key on 127.0.0.1.",
    );
  }
  if (anonymous && !loopback) {
    throw new HttpConfigError(
      `refusing to serve HTTP on ${opts.host} without agent keys: --allow-keyless-loopback only works on a loopback ` +
        "address such as 127.0.0.1. Give agents a key_sha256 in the --policy file, or bind to 127.0.0.1.",
    );
  }
  if (anonymous) {
    logger.warn(
      { host: opts.host, agent: anonymous.agent },
      "NO AUTHENTICATION (--allow-keyless-loopback): every process on this machine, and any web page that can reach " +
        "127.0.0.1, may use the Fly token with the flag policy; do not use this outside local development",
    );
  }
  if (!loopback && !opts.allowedHosts?.length) {
    logger.warn({ host: opts.host }, "no --allowed-hosts: any Host header is accepted; list your hostnames");
  }

  const guard = createHeaderGuard({
    loopback,
    allowedHosts: opts.allowedHosts,
    allowedOrigins: opts.allowedOrigins,
  });
  const sessions = opts.stateless
    ? undefined
    : new SessionStore({
        max: maxSessions,
        maxPerAgent,
        idleMs: sessionIdleMs,
        shared: opts.sharedSessions,
        onExpired: (s) => logger.info({ agent: s.agent, session: s.id }, "MCP session expired after idling"),
      });
  const handleMcp = createMcpHandler({ serverFor: opts.serverFor, sessions, maxBodyBytes, logger });
  const approvals =
    opts.approvals &&
    mountApprovals(opts.approvals, {
      isAgentKey: (key) => opts.agents.authenticate(key) !== undefined,
      allowedOrigins: opts.allowedOrigins,
      logger,
    });

  let closing = false;
  let inflight = 0;
  let onDrained: (() => void) | undefined;

  // Without an issuer there is no OAuth flow to complete, so a refusal is a 403 without a Bearer
  // challenge: a 401 makes OAuth-capable clients start discovery that can only fail.
  const keyRefusal = (message: string): AuthRefusal => ({
    refused: true,
    status: 403,
    message: `${message}; this server takes agent keys only (no OAuth)`,
    headers: {},
  });

  async function authenticate(req: IncomingMessage): Promise<AgentIdentity | AuthRefusal> {
    if (anonymous) return { agent: anonymous.agent, access: anonymous };
    // The header is only ever compared as an agent key or checked as an access token; it is never forwarded to Fly.
    const key = bearerKey(req.headers.authorization);
    const byKey = key && opts.agents.size > 0 ? opts.agents.authenticate(key) : undefined;
    if (byKey) return byKey;
    if (key && opts.approvals?.approverByKey(key))
      return keyRefusal(`Forbidden: an approver key opens ${APPROVALS_PATH}, not ${MCP_PATH}`);
    if (oauth) {
      const what = opts.agents.size > 0 ? "an agent key or an access token" : "an access token";
      return oauth.authenticate(
        key,
        `Unauthorized: send Authorization: Bearer <${what} from ${oauth.issuer}>`,
      );
    }
    if (!key) return keyRefusal("Forbidden: send Authorization: Bearer <agent key>");
    return keyRefusal("Forbidden: the bearer key does not belong to any agent");
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === HEALTH_PATH) {
      if (req.method === "GET" || req.method === "HEAD") sendJson(res, 200, { ok: true });
      else sendRpcError(res, 405, RPC.serverError, "Method not allowed", { Allow: "GET, HEAD" });
      return;
    }
    if (oauth?.serveMetadata(req, res, path)) return;
    if (approvals?.handles(path ?? "")) {
      // Host is checked as for MCP (DNS rebinding); the page checks Origin itself, against its own.
      const refusedHost = guard({ headers: { host: req.headers.host } } as IncomingMessage);
      if (refusedHost) sendRpcError(res, 403, RPC.serverError, `Forbidden: ${refusedHost}`);
      else await approvals.handle(req, res);
      return;
    }
    if (path !== MCP_PATH) {
      sendRpcError(res, 404, RPC.serverError, `Not found: the MCP endpoint is ${MCP_PATH}`);
      return;
    }
    const refused = guard(req);
    if (refused) {
      logger.warn(
        { host: req.headers.host, origin: req.headers.origin },
        "request refused: foreign Host or Origin",
      );
      sendRpcError(res, 403, RPC.serverError, `Forbidden: ${refused}`);
      return;
    }
    if (closing) {
      sendRpcError(res, 503, RPC.serverError, "Server is shutting down; retry shortly", {
        Connection: "close",
      });
      return;
    }
    const who = await authenticate(req);
    if ("refused" in who) {
      logger.warn(
        { remote: req.socket.remoteAddress, status: who.status },
        "request refused: no valid credentials",
      );
      sendRpcError(res, who.status, RPC.unauthorized, who.message, who.headers);
      return;
    }
    if (req.method !== "POST" && req.method !== "GET" && req.method !== "DELETE") {
      sendRpcError(res, 405, RPC.serverError, "Method not allowed", { Allow: "GET, POST, DELETE" });
      return;
    }
    await handleMcp(req, res, who);
  }

  const http = createHttpServer(
    {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // How often Node checks the two timeouts above; its default (30 s) would stretch them.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeoutMs / 2)),
    },
    (req, res) => {
      // A GET is the long-lived notification stream; shutdown ends it instead of waiting for it.
      if (req.method !== "GET") {
        inflight++;
        res.once("close", () => {
          inflight--;
          if (inflight === 0) onDrained?.();
        });
      }
      route(req, res).catch((error: unknown) => {
        logger.error({ err: error }, "HTTP request failed");
        if (!res.headersSent) sendRpcError(res, 500, RPC.serverError, "Internal server error");
        else res.destroy();
      });
    },
  );
  http.maxConnections = maxConnections;
  let lastDropWarning = 0;
  http.on("drop", () => {
    // One line a minute at most: a flood must not also flood the log.
    if (Date.now() - lastDropWarning < 60_000) return;
    lastDropWarning = Date.now();
    logger.warn({ max: maxConnections }, "connection cap reached; new connections are dropped");
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(opts.port, opts.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  http.on("error", (error) => logger.error({ err: error }, "HTTP server error"));
  const url = urlOf(http.address() as AddressInfo);
  oauth?.listening(url);
  approvals?.listening(new URL(url).origin);
  logger.info({ url, stateless: opts.stateless, agents: opts.agents.size }, "MCP over HTTP listening");

  function drained(): Promise<void> {
    if (inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ inflight }, "shutdown grace period over; dropping unfinished requests");
        resolve();
      }, graceMs);
      onDrained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async function shutdown(): Promise<void> {
    closing = true;
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    await drained();
    await sessions?.closeAll();
    http.closeAllConnections();
    await stopped;
    logger.info("MCP over HTTP stopped");
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closed ??= shutdown();
      return closed;
    },
  };
}
