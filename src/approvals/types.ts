import type { ToolArgs } from "../tools/types.js";

/** What a destructive call asked for, as stored; never changes after it is made. */
export interface ApprovalRequest {
  /** `apr_` and 32 random bytes: unguessable, so knowing a link is not enough to act on it. */
  id: string;
  agent: string;
  tool: string;
  app?: string;
  resource?: string;
  /** The gate's confirmation message: the exact target and change. */
  message: string;
  /** The arguments with secret values redacted, for the approver to read. */
  args: ToolArgs;
  /** SHA-256 of the full arguments: the approved call must carry the same. */
  argsDigest: string;
  /** Who may decide; omitted: every approver. */
  approvers?: string[];
  /** The audit callId of the call that asked. */
  requestCallId: string;
  createdAt: number;
  expiresAt: number;
}

export type DecisionKind = "approved" | "denied";

export interface ApprovalDecision {
  decision: DecisionKind;
  approver: string;
  reason?: string;
  decidedAt: number;
}

export type ApprovalStatus = "pending" | "approved" | "denied" | "used" | "expired";

/** A request with what happened to it since. */
export interface ApprovalView extends ApprovalRequest {
  status: ApprovalStatus;
  decision?: ApprovalDecision;
  /** The audit callId of the call that went ahead with it. */
  usedByCallId?: string;
}
