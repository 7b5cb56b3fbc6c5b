import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { type Approver, findApproverByKey } from "../policy/agent-policy.js";
import { type AuditEntry, redactArgs } from "../policy/audit.js";
import type { KeyValueStore } from "../state/store.js";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import { callDigest } from "./digest.js";
import { ApprovalStore } from "./store.js";
import type { ApprovalRequest, ApprovalView, DecisionKind } from "./types.js";

export const DEFAULT_APPROVAL_TTL_MS = 15 * 60_000;

/** Where the route lives on the HTTP server; links are `<base>/approvals/<id>`. */
export const APPROVALS_PATH = "/approvals";

/** Reasons are the approver's words for the agent and the audit log: one short paragraph. */
export const MAX_REASON_CHARS = 500;

export interface ApprovalsOptions {
  store: KeyValueStore;
  approvers: Readonly<Record<string, Approver>>;
  /** Per agent, who may approve its calls; undefined: every approver. */
  approversFor?: (agent: string) => readonly string[] | undefined;
  /** Writes one audit line; throws when it could not be written. */
  audit: (entry: AuditEntry) => void;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
  /** Public base URL for links, e.g. https://mcp.example.com; default: where the server listens. */
  publicUrl?: string;
  /** Told of every new pending approval (the webhook); must not throw. */
  onRequested?: (approval: ApprovalRequest, link: string) => void;
}

export type Redeemed =
  | { kind: "approved"; request: ApprovalRequest; approver: string }
  | { kind: "pending"; request: ApprovalRequest }
  | { kind: "refused"; reason: string };

export type Decided =
  | { ok: true; view: ApprovalView }
  | { ok: false; status: 403 | 404 | 409 | 410; message: string };

/** Pending approvals: made by destructive calls of `destructive: approve` agents, decided by approvers. */
export class Approvals {
  readonly ttlMs: number;
  readonly now: () => number;
  private readonly store: ApprovalStore;
  private baseUrl: string | undefined;

  constructor(private readonly opts: ApprovalsOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_APPROVAL_TTL_MS;
    this.now = opts.now ?? Date.now;
    this.store = new ApprovalStore(opts.store, this.now);
    this.baseUrl = opts.publicUrl?.replace(/\/+$/, "");
  }

  /** The HTTP server tells where it listens; an explicit public URL wins. */
  listening(origin: string): void {
    this.baseUrl ??= origin.replace(/\/+$/, "");
  }

  link(id: string): string {
    return `${this.baseUrl ?? ""}${APPROVALS_PATH}/${id}`;
  }

  approverByKey(key: string): Approver | undefined {
    return findApproverByKey(this.opts.approvers, key);
  }

  isApprover(name: string): boolean {
    return Object.hasOwn(this.opts.approvers, name);
  }

  /** Whether this approver may decide this request. */
  mayDecide(approver: string, request: ApprovalRequest): boolean {
    return this.isApprover(approver) && (!request.approvers || request.approvers.includes(approver));
  }

  /** A new pending approval, not stored yet; `args` are the full arguments (redacted here for display). */
  build(call: {
    agent: string;
    tool: ToolDef;
    args: ToolArgs;
    message: string;
    app?: string;
    resource?: string;
    callId: string;
  }): ApprovalRequest {
    const createdAt = this.now();
    const approvers = this.opts.approversFor?.(call.agent);
    const request: ApprovalRequest = {
      id: `apr_${randomBytes(32).toString("base64url")}`,
      agent: call.agent,
      tool: call.tool.name,
      ...(call.app !== undefined && { app: call.app }),
      ...(call.resource !== undefined && { resource: call.resource }),
      message: call.message,
      args: redactArgs(call.tool, call.args),
      argsDigest: callDigest(call.tool.name, call.args),
      ...(approvers && { approvers: [...approvers] }),
      requestCallId: call.callId,
      createdAt,
      expiresAt: createdAt + this.ttlMs,
    };
    return request;
  }

  /** Stores it (after its audit line is written), then tells the webhook. */
  async file(request: ApprovalRequest): Promise<void> {
    await this.store.create(request);
    this.opts.onRequested?.(request, this.link(request.id));
  }

  /** Whether the call with this id may go ahead now; claims it (once) when it may. */
  async redeem(call: {
    id: string;
    agent: string;
    tool: string;
    args: ToolArgs;
    /** The gate's message now: it names what the call would lose, which the approver saw. */
    message: string;
    callId: string;
  }): Promise<Redeemed> {
    const request = await this.store.request(call.id);
    // Another agent's id reads as unknown: it tells that agent nothing about the request.
    if (!request || request.agent !== call.agent) {
      return { kind: "refused", reason: `no approval ${call.id} for this agent (unknown, or long expired)` };
    }
    if (request.tool !== call.tool || request.argsDigest !== callDigest(call.tool, call.args)) {
      return {
        kind: "refused",
        reason: `approval ${call.id} was given for other arguments; an approval covers exactly the call that asked for it`,
      };
    }
    // The same arguments may lose more now (a volume attached since): the approver saw the old losses.
    if (request.message !== call.message) {
      return {
        kind: "refused",
        reason: `approval ${call.id} no longer matches what the call would change or lose (${call.message}); call again without approval_id to ask anew`,
      };
    }
    const decision = await this.store.decision(call.id);
    if (decision?.decision === "denied") {
      const why = decision.reason ? `: ${decision.reason}` : "";
      return { kind: "refused", reason: `approval ${call.id} was denied by ${decision.approver}${why}` };
    }
    if (request.expiresAt <= this.now()) {
      return {
        kind: "refused",
        reason: `approval ${call.id} expired at ${new Date(request.expiresAt).toISOString()}`,
      };
    }
    if (!decision) return { kind: "pending", request };
    if (!(await this.store.use(request, call.callId))) {
      return {
        kind: "refused",
        reason: `approval ${call.id} was used already; each approval allows one call`,
      };
    }
    return { kind: "approved", request, approver: decision.approver };
  }

  async get(id: string): Promise<ApprovalView | undefined> {
    return this.store.view(id);
  }

  /** Approvals this approver may decide that still wait, oldest first. */
  async pending(approver: string): Promise<ApprovalView[]> {
    return (await this.store.all()).filter((v) => v.status === "pending" && this.mayDecide(approver, v));
  }

  /** Records an approver's decision, audited before it counts. */
  async decide(id: string, approver: string, decision: DecisionKind, reason?: string): Promise<Decided> {
    const view = await this.store.view(id);
    if (!view) return { ok: false, status: 404, message: `no approval ${id} (unknown, or long expired)` };
    if (!this.mayDecide(approver, view)) {
      return { ok: false, status: 403, message: `${approver} may not decide calls of agent ${view.agent}` };
    }
    if (view.status === "expired") return { ok: false, status: 410, message: `approval ${id} has expired` };
    if (view.status !== "pending")
      return { ok: false, status: 409, message: `approval ${id} is ${view.status} already` };
    const text = reason?.trim().slice(0, MAX_REASON_CHARS) || undefined;
    const record = { decision, approver, decidedAt: this.now(), ...(text && { reason: text }) };
    const won = await this.store.decide(view, record, () =>
      this.opts.audit({
        event: "approval_decided",
        callId: view.requestCallId,
        approvalId: id,
        agent: view.agent,
        tool: view.tool,
        app: view.app,
        resource: view.resource,
        decision,
        approver,
        reason: text,
      }),
    );
    if (!won) return { ok: false, status: 409, message: `approval ${id} was decided already` };
    this.opts.logger.info({ approval: id, approver, decision }, "approval decided");
    return { ok: true, view: (await this.store.view(id))! };
  }
}
