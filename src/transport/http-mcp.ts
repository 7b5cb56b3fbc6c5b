import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport,
  toNodeHandler,
} from "@modelcontextprotocol/node";
import {
  type AuthInfo,
  createMcpHandler as createBothErasHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpServer,
} from "@modelcontextprotocol/server";
import type { Logger } from "pino";
import type { AccessControl } from "../server.js";
import { RPC, readJsonBody, sendRpcError } from "./http-reply.js";
import type { Session, SessionStore } from "./http-sessions.js";

/** An authenticated caller: the agent's name and what it may do. */
export interface AgentIdentity {
  agent: string;
  access: AccessControl;
  /** Who within the agent may use a session; the agent itself when absent. */
  owner?: string;
  /** Refuses a request body before the MCP server sees it (e.g. a call the token's scopes do not cover). */
  screen?(body: unknown): { status: number; message: string; headers: Record<string, string> } | undefined;
}

export interface McpHandlerOptions {
  serverFor: (access: AccessControl) => McpServer;
  /** Undefined: stateless, a fresh server and transport per request. */
  sessions?: SessionStore;
  maxBodyBytes: number;
  logger: Logger;
}

export type McpHandler = (req: IncomingMessage, res: ServerResponse, who: AgentIdentity) => Promise<void>;

const SESSION_NOT_FOUND =
  "Session not found: it expired, was closed, or belongs to another agent; start a new one with initialize";

function sessionIdOf(req: IncomingMessage): string | undefined {
  const value = req.headers["mcp-session-id"];
  return Array.isArray(value) ? value[0] : value;
}

const isInitialize = (body: unknown): boolean =>
  Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);

const hasProgressToken = (message: unknown): boolean => {
  const meta = (message as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta;
  return meta?.progressToken !== undefined;
};

const asksForProgress = (body: unknown): boolean =>
  Array.isArray(body) ? body.some(hasProgressToken) : hasProgressToken(body);

/** Tells the session's server that the requests in `body` were cancelled by their client. */
function cancelRequests(transport: StreamableHTTPServerTransport, body: unknown): void {
  for (const message of Array.isArray(body) ? body : [body]) {
    const { id, method } = (message ?? {}) as { id?: unknown; method?: unknown };
    if (typeof method !== "string" || (typeof id !== "string" && typeof id !== "number")) continue;
    transport.onmessage?.({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, reason: "the client closed the connection" },
    });
  }
}

/** The body of a POST, or undefined for other methods; false when an error reply was sent. */
async function bodyOf(req: IncomingMessage, res: ServerResponse, limit: number): Promise<unknown | false> {
  if (req.method !== "POST") return undefined;
  const body = await readJsonBody(req, limit);
  if (body.ok) return body.value;
  sendRpcError(res, body.status, body.code, body.message, body.status === 413 ? { Connection: "close" } : {});
  return false;
}

/** True when the caller's screen refused the body (the reply is sent). */
function screened(res: ServerResponse, who: AgentIdentity, body: unknown): boolean {
  const refused = body === undefined ? undefined : who.screen?.(body);
  if (refused) sendRpcError(res, refused.status, RPC.serverError, refused.message, refused.headers);
  return refused !== undefined;
}

/** Whether the request speaks 2025-11-25 (opens with initialize, no per-request envelope). */
function isLegacy(req: IncomingMessage, body: unknown): Promise<boolean> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const probe = new Request("http://localhost/mcp", { method: req.method ?? "GET", headers });
  return isLegacyRequest(probe, req.method === "POST" ? body : undefined);
}

/** The agent travels to the per-request server factory as the request's auth info; no key is in it. */
const authOf = (who: AgentIdentity): AuthInfo => ({
  token: "",
  clientId: who.agent,
  scopes: [],
  extra: { identity: who },
});

const identityOf = (auth: AuthInfo | undefined): AgentIdentity => {
  const who = auth?.extra?.identity as AgentIdentity | undefined;
  // Only this module calls the handler, always with an identity: anything else is a bug, fail closed.
  if (!who) throw new Error("MCP request without an authenticated agent");
  return who;
};

/**
 * Serves /mcp for an authenticated agent. 2026-07-28 requests are stateless: one server per
 * request, built for the agent. 2025-11-25 requests keep sessions (initialize, Mcp-Session-Id), or
 * run statelessly too under --stateless.
 */
export function createMcpHandler(opts: McpHandlerOptions): McpHandler {
  const { serverFor, sessions, maxBodyBytes, logger } = opts;
  const modernHandler = createBothErasHandler(({ authInfo }) => serverFor(identityOf(authInfo).access), {
    // The 2025 era is routed below, to sessions or the stateless path.
    legacy: "reject",
    maxRequestBodySize: maxBodyBytes,
    onerror: (error) => logger.debug({ err: error }, "MCP request refused or failed"),
  });
  const modernNode = toNodeHandler(modernHandler, {
    maxRequestBodySize: maxBodyBytes,
    onerror: (error) => logger.error({ err: error }, "MCP request failed"),
  });

  async function modern(req: IncomingMessage, res: ServerResponse, who: AgentIdentity, body: unknown) {
    Object.assign(req, { auth: authOf(who) });
    await modernNode(req, res, body);
  }

  async function stateless(
    req: IncomingMessage,
    res: ServerResponse,
    who: AgentIdentity,
    body: unknown,
  ): Promise<void> {
    if (req.method !== "POST") {
      sendRpcError(res, 405, RPC.serverError, "Method not allowed: this server is stateless; use POST", {
        Allow: "POST",
      });
      return;
    }
    const server = serverFor(who.access);
    // Plain JSON costs less than an event stream on both sides, but only a stream can carry the
    // progress notifications a caller asked for with a progress token.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !asksForProgress(body),
    });
    res.on("close", () => {
      void server.close().catch(() => undefined);
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function existing(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    body: unknown,
    store: SessionStore,
  ): Promise<void> {
    store.touch(session);
    res.on("close", () => {
      store.settle(session);
      // Answers only ever travel on this stream: once the client hung up, nobody can read them, so
      // its calls stop (a pending confirmation included) instead of running on unobserved.
      if (!res.writableFinished) cancelRequests(session.transport, body);
    });
    await session.transport.handleRequest(req, res, body);
  }

  async function initialize(
    req: IncomingMessage,
    res: ServerResponse,
    who: AgentIdentity,
    body: unknown,
    store: SessionStore,
  ): Promise<void> {
    const refused = await store.reserve(who.agent);
    if (refused === "agent-full") {
      logger.warn(
        { agent: who.agent, max: store.maxPerAgent },
        "agent's session cap reached; initialize refused",
      );
      sendRpcError(
        res,
        429,
        RPC.serverError,
        `Too many sessions for this agent: the cap of ${store.maxPerAgent} live sessions per agent is reached; end an unused session (DELETE /mcp) or retry after idle ones expire`,
        { "Retry-After": "30" },
      );
      return;
    }
    if (refused === "server-full") {
      logger.warn({ agent: who.agent, max: store.max }, "session cap reached; initialize refused");
      sendRpcError(
        res,
        503,
        RPC.serverError,
        `Too many sessions: the cap of ${store.max} live sessions is reached; end an unused session (DELETE /mcp) or retry after idle ones expire`,
        { "Retry-After": "30" },
      );
      return;
    }
    let reserved = true;
    let session: Session | undefined;
    const server = serverFor(who.access);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        session = store.add({ id, agent: who.agent, owner: who.owner, server, transport });
        store.release(who.agent, true);
        reserved = false;
        logger.info({ agent: who.agent, session: id }, "MCP session opened");
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && store.forget(id)) logger.info({ agent: who.agent, session: id }, "MCP session closed");
    };
    res.on("close", () => {
      if (session) store.settle(session);
      else void server.close().catch(() => undefined);
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    } finally {
      if (reserved) store.release(who.agent);
    }
  }

  async function stateful(
    req: IncomingMessage,
    res: ServerResponse,
    who: AgentIdentity,
    store: SessionStore,
    body: unknown,
  ): Promise<void> {
    const id = sessionIdOf(req);
    if (id !== undefined) {
      const session = store.get(id);
      // Another agent's session looks exactly like a missing one, so ids cannot be probed.
      if (!session || session.agent !== who.agent || session.owner !== who.owner) {
        sendRpcError(res, 404, RPC.sessionNotFound, SESSION_NOT_FOUND);
        return;
      }
      await existing(req, res, session, body, store);
      return;
    }
    if (req.method !== "POST" || !isInitialize(body)) {
      sendRpcError(
        res,
        400,
        RPC.serverError,
        "Bad Request: Mcp-Session-Id header is required; send initialize first to get one",
      );
      return;
    }
    await initialize(req, res, who, body, store);
  }

  return async (req, res, who) => {
    const body = await bodyOf(req, res, maxBodyBytes);
    // Both eras pass the caller's screen (an OAuth token without the scope a call needs: 403 for step-up).
    if (body === false || screened(res, who, body)) return;
    if (!(await isLegacy(req, body))) return modern(req, res, who, body);
    return sessions ? stateful(req, res, who, sessions, body) : stateless(req, res, who, body);
  };
}
