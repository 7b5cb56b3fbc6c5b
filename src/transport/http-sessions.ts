import type { NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import type { McpServer } from "@modelcontextprotocol/server";

export interface Session {
  id: string;
  /** The agent that created it; nobody else may use it. */
  agent: string;
  /** The caller within the agent (an OAuth subject and its scopes); undefined for agent keys. */
  owner?: string;
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** Open HTTP requests (calls, the GET stream): a session is only idle when it has none. */
  active: number;
  timer?: NodeJS.Timeout;
}

export interface SessionStoreOptions {
  max: number;
  /** Per agent, so one agent cannot take every slot. */
  maxPerAgent: number;
  idleMs: number;
  onExpired?: (session: Session) => void;
}

/** Why `reserve` refused: the overall cap or the agent's own. */
export type ReserveRefusal = "server-full" | "agent-full";

/** Live sessions with caps, per-session idle expiry and slots reserved for initializations in flight. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private reserved = 0;
  /** Live plus reserved sessions of each agent. */
  private readonly held = new Map<string, number>();

  constructor(private readonly opts: SessionStoreOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get max(): number {
    return this.opts.max;
  }

  get maxPerAgent(): number {
    return this.opts.maxPerAgent;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  private adjust(agent: string, by: number): void {
    const next = (this.held.get(agent) ?? 0) + by;
    if (next > 0) this.held.set(agent, next);
    else this.held.delete(agent);
  }

  /**
   * Holds a slot for an initialize still in flight, so concurrent ones cannot exceed either cap.
   * Returns undefined when reserved, or which cap refused it.
   */
  reserve(agent: string): ReserveRefusal | undefined {
    if ((this.held.get(agent) ?? 0) >= this.opts.maxPerAgent) return "agent-full";
    if (this.sessions.size + this.reserved >= this.opts.max) return "server-full";
    this.reserved++;
    this.adjust(agent, 1);
    return undefined;
  }

  /** Gives back a reserved slot; `becameSession` keeps the agent's count for the session it became. */
  release(agent: string, becameSession = false): void {
    this.reserved = Math.max(0, this.reserved - 1);
    if (!becameSession) this.adjust(agent, -1);
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
    this.adjust(session.agent, -1);
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
