import { randomUUID } from "node:crypto";
import type { NodeStreamableHTTPServerTransport as StreamableHTTPServerTransport } from "@modelcontextprotocol/node";
import type { McpServer } from "@modelcontextprotocol/server";
import type { SessionSlots } from "../state/session-slots.js";
import { StoreUnavailable } from "../state/store.js";

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
  /** Its slot among the agent's sessions on every replica (with --redis-url). */
  slot?: string;
}

/** With --redis-url: the per-agent cap counts the sessions of every replica. */
export interface SharedSessions {
  slots: SessionSlots;
  /** While Redis is unreachable each replica keeps to 1/replicas of the cap. */
  replicas: number;
}

export interface SessionStoreOptions {
  max: number;
  /** Per agent, so one agent cannot take every slot. */
  maxPerAgent: number;
  idleMs: number;
  onExpired?: (session: Session) => void;
  shared?: SharedSessions;
}

/** A slot's lease outlives the session's idle time by this much, then lapses if nobody renewed it. */
const LEASE_MARGIN_MS = 60_000;

/** Why `reserve` refused: the overall cap or the agent's own. */
export type ReserveRefusal = "server-full" | "agent-full";

/** Live sessions with caps, per-session idle expiry and slots reserved for initializations in flight. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private reserved = 0;
  /** Live plus reserved sessions of each agent. */
  private readonly held = new Map<string, number>();
  /** Shared slots taken by reservations not yet sessions, per agent ("" where Redis was down). */
  private readonly pendingSlots = new Map<string, string[]>();

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
   * With shared sessions the agent's cap counts every replica's sessions. Returns undefined when
   * reserved, or which cap refused it.
   */
  async reserve(agent: string): Promise<ReserveRefusal | undefined> {
    if ((this.held.get(agent) ?? 0) >= this.opts.maxPerAgent) return "agent-full";
    if (this.sessions.size + this.reserved >= this.opts.max) return "server-full";
    this.reserved++;
    this.adjust(agent, 1);
    if (!this.opts.shared) return undefined;
    const slot = await this.claimShared(agent, this.opts.shared);
    if (slot === undefined) {
      this.reserved = Math.max(0, this.reserved - 1);
      this.adjust(agent, -1);
      return "agent-full";
    }
    const pending = this.pendingSlots.get(agent) ?? [];
    pending.push(slot);
    this.pendingSlots.set(agent, pending);
    return undefined;
  }

  private get leaseMs(): number {
    return this.opts.idleMs + LEASE_MARGIN_MS;
  }

  /** The slot id taken, "" when taken under the local share, undefined when refused. */
  private async claimShared(agent: string, shared: SharedSessions): Promise<string | undefined> {
    const slot = randomUUID();
    try {
      if (!shared.slots.up) throw new StoreUnavailable();
      return (await shared.slots.claim(agent, slot, this.opts.maxPerAgent, this.leaseMs)) ? slot : undefined;
    } catch (error) {
      if (!(error instanceof StoreUnavailable)) throw error;
      const share = Math.max(1, Math.floor(this.opts.maxPerAgent / shared.replicas));
      return (this.held.get(agent) ?? 0) <= share ? "" : undefined;
    }
  }

  private takePending(agent: string): string | undefined {
    const pending = this.pendingSlots.get(agent);
    const slot = pending?.shift();
    if (pending?.length === 0) this.pendingSlots.delete(agent);
    return slot || undefined;
  }

  /** Redis is told in the background: a lost release only costs a slot until its lease lapses. */
  private releaseSlot(agent: string, slot: string | undefined): void {
    if (slot) this.opts.shared?.slots.release(agent, slot).catch(() => undefined);
  }

  private renewSlot(session: Session): void {
    if (session.slot)
      this.opts.shared?.slots.renew(session.agent, session.slot, this.leaseMs).catch(() => undefined);
  }

  /** Gives back a reserved slot; `becameSession` keeps the agent's count for the session it became. */
  release(agent: string, becameSession = false): void {
    this.reserved = Math.max(0, this.reserved - 1);
    if (becameSession) return;
    this.adjust(agent, -1);
    this.releaseSlot(agent, this.takePending(agent));
  }

  /** Adds a session created by a request that is still open; `settle` it when that request ends. */
  add(session: Omit<Session, "active" | "timer">): Session {
    const live: Session = { ...session, active: 1, slot: this.takePending(session.agent) };
    this.sessions.set(live.id, live);
    return live;
  }

  touch(session: Session): void {
    session.active++;
    this.renewSlot(session);
    clearTimeout(session.timer);
    session.timer = undefined;
  }

  settle(session: Session): void {
    session.active = Math.max(0, session.active - 1);
    if (session.active > 0 || !this.sessions.has(session.id)) return;
    this.renewSlot(session);
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
    this.releaseSlot(session.agent, session.slot);
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
