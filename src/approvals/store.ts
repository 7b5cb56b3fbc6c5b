import type { KeyValueStore } from "../state/store.js";
import type { ApprovalDecision, ApprovalRequest, ApprovalView } from "./types.js";

/** Decided and used approvals stay readable this long after their expiry, then vanish. */
export const RETAIN_MS = 60 * 60_000;

const REQUEST = "approval:request:";
const DECISION = "approval:decision:";
const USED = "approval:used:";

/** Placeholder written while the decision's audit line is written; readers treat it as pending. */
const RECORDING = JSON.stringify({ recording: true });

/**
 * Pending approvals on the shared key-value seam. Deciding and using are each a set-if-absent, so
 * with several replicas (Redis) exactly one decision and one use win.
 */
export class ApprovalStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number,
  ) {}

  private keep(request: ApprovalRequest): number {
    return Math.max(1, request.expiresAt + RETAIN_MS - this.now());
  }

  async create(request: ApprovalRequest): Promise<void> {
    const stored = await this.kv.setIfAbsent(
      REQUEST + request.id,
      JSON.stringify(request),
      this.keep(request),
    );
    if (!stored) throw new Error("approval id collision");
  }

  async request(id: string): Promise<ApprovalRequest | undefined> {
    const text = await this.kv.get(REQUEST + id);
    return text === undefined ? undefined : (JSON.parse(text) as ApprovalRequest);
  }

  async decision(id: string): Promise<ApprovalDecision | undefined> {
    const text = await this.kv.get(DECISION + id);
    if (text === undefined || text === RECORDING) return undefined;
    return JSON.parse(text) as ApprovalDecision;
  }

  /**
   * Records a decision once: reserves the slot, runs `audit` (which throws when its line could not
   * be written, and then the slot is freed again), then stores the decision. False when taken.
   */
  async decide(request: ApprovalRequest, decision: ApprovalDecision, audit: () => void): Promise<boolean> {
    const key = DECISION + request.id;
    if (!(await this.kv.setIfAbsent(key, RECORDING, this.keep(request)))) return false;
    try {
      audit();
    } catch (error) {
      await this.kv.delete(key);
      throw error;
    }
    await this.kv.set(key, JSON.stringify(decision), this.keep(request));
    return true;
  }

  /** Claims the approval for one call; false when it was used already. */
  async use(request: ApprovalRequest, callId: string): Promise<boolean> {
    return this.kv.setIfAbsent(USED + request.id, callId, this.keep(request));
  }

  async view(id: string): Promise<ApprovalView | undefined> {
    const request = await this.request(id);
    if (!request) return undefined;
    const [decision, usedBy] = await Promise.all([this.decision(id), this.kv.get(USED + id)]);
    const status = usedBy
      ? "used"
      : decision?.decision === "denied"
        ? "denied"
        : request.expiresAt <= this.now()
          ? "expired"
          : decision
            ? "approved"
            : "pending";
    return { ...request, status, ...(decision && { decision }), ...(usedBy && { usedByCallId: usedBy }) };
  }

  async all(): Promise<ApprovalView[]> {
    const ids = (await this.kv.keys(REQUEST)).map((key) => key.slice(REQUEST.length));
    const views = await Promise.all(ids.map((id) => this.view(id)));
    return views.filter((v): v is ApprovalView => v !== undefined).sort((a, b) => a.createdAt - b.createdAt);
  }
}
