import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export interface Session {
  id: string;
  /** The agent that created it; nobody else may use it. */
  agent: string;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** Open HTTP requests (calls, the GET stream): a session is only idle when it has none. */
  active: number;
  timer?: NodeJS.Timeout;
}

export interface SessionStoreOptions {
  max: number;
  idleMs: number;
  onExpired?: (session: Session) => void;
}

/** Live sessions with a cap, per-session idle expiry and slots reserved for initializations in flight. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private reserved = 0;

  constructor(private readonly opts: SessionStoreOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get max(): number {
    return this.opts.max;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** Holds a slot for an initialize still in flight, so concurrent ones cannot exceed the cap. */
  reserve(): boolean {
    if (this.sessions.size + this.reserved >= this.opts.max) return false;
    this.reserved++;
    return true;
  }

  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
  }

  /** Adds a session created by a request that is still open; `settle` it when that request ends. */
  add(session: Omit<Session, "active" | "timer">): Session {
    const live: Session = { ...session, active: 1 };
    this.sessions.set(live.id, live);
    return live;
  }

  touch(session: Session): void {
    session.active++;
    clearTimeout(session.timer);
    session.timer = undefined;
  }

  settle(session: Session): void {
    session.active = Math.max(0, session.active - 1);
    if (session.active > 0 || !this.sessions.has(session.id)) return;
    clearTimeout(session.timer);
    session.timer = setTimeout(() => {
      this.opts.onExpired?.(session);
      void this.close(session.id);
    }, this.opts.idleMs);
    session.timer.unref();
  }

  /** Forgets the session (the transport already closed, e.g. after DELETE). */
  forget(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    clearTimeout(session.timer);
    this.sessions.delete(id);
    return session;
  }

  async close(id: string): Promise<void> {
    const session = this.forget(id);
    if (session) await session.server.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}
