import type { CallToolResult } from "@modelcontextprotocol/server";
import type { AuditEntry } from "../policy/audit.js";
import { StoreUnavailable } from "../state/store.js";
import type { LocalFields } from "../tools/local-fields.js";
import { errorResult, outputOf } from "../tools/present.js";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import type { Approvals } from "./service.js";

export type ApprovalOutcome =
  | { go: true; approvalId: string; approver: string }
  | { go: false; result: CallToolResult };

/** The call's audit writer; the server fills in call id, agent, tool and target. Throws when not written. */
type CallAudit = (entry: Omit<AuditEntry, "agent" | "tool" | "app" | "resource" | "callId">) => void;

/**
 * An answer, not a failure: the agent should wait for the human, not retry. A tool that declares
 * an output schema must answer in it or as an error, so there it is marked as one.
 */
function waiting(tool: ToolDef, text: string): CallToolResult {
  return { content: [{ type: "text", text }], ...(outputOf(tool) && { isError: true }) };
}

/**
 * The `destructive: approve` step of a call the gate wants confirmed: without `approval_id` it
 * files a pending approval and answers at once; with one it lets the call through only when that
 * approval was granted for this agent and exactly these arguments, before expiry, once.
 * Everything fails closed: no store, no audit line, no approvals configured -> nothing is done.
 */
export async function approvalStep(
  approvals: Approvals | undefined,
  call: {
    agent: string;
    tool: ToolDef;
    args: ToolArgs;
    local: LocalFields;
    message: string;
    target: { app?: string; resource?: string };
    callId: string;
    audit: CallAudit;
  },
): Promise<ApprovalOutcome> {
  const refuse = (reason: string, approvalId?: string): ApprovalOutcome => {
    try {
      call.audit({ decision: "approval-refused", reason, args: call.args, approvalId });
    } catch {
      // A refusal stands without its line; the server logs audit failures of its own lines.
    }
    return { go: false, result: errorResult(`Not done: ${call.message}\n${reason}; nothing was done.`) };
  };
  if (!approvals) return refuse("destructive: approve is set, but this server has no approvers configured");
  try {
    const id = call.local.approval_id;
    if (id === undefined) {
      const request = approvals.build({ ...call, ...call.target });
      const link = approvals.link(request.id);
      // Audit before it can be approved: an unrecorded request is never stored.
      call.audit({
        event: "approval_requested",
        decision: "approval-pending",
        approvalId: request.id,
        expiresAt: new Date(request.expiresAt).toISOString(),
        args: call.args,
      });
      await approvals.file(request);
      const minutes = Math.round((request.expiresAt - request.createdAt) / 60_000);
      return {
        go: false,
        result: waiting(
          call.tool,
          `Waiting for approval ${request.id}: ${call.message}\nA human can approve it at ${link} within ${minutes} minutes. ` +
            `Nothing was done yet. After it is approved, call ${call.tool.name} again with the same arguments and approval_id set to ${request.id}.`,
        ),
      };
    }
    const redeemed = await approvals.redeem({
      id,
      agent: call.agent,
      tool: call.tool.name,
      args: call.args,
      message: call.message,
      callId: call.callId,
    });
    if (redeemed.kind === "refused") return refuse(redeemed.reason, id);
    if (redeemed.kind === "pending") {
      // Polling is recorded too: an agent cannot ask again and again without a trace.
      try {
        call.audit({
          decision: "approval-pending",
          reason: "not decided yet",
          args: call.args,
          approvalId: id,
        });
      } catch {
        // The answer (wait) stands without its line; nothing is sent either way.
      }
      return {
        go: false,
        result: waiting(
          call.tool,
          `Still waiting for approval ${id}; nobody has decided yet. Nothing was done. A human can approve it at ${approvals.link(id)}; call again after that.`,
        ),
      };
    }
    return { go: true, approvalId: id, approver: redeemed.approver };
  } catch (error) {
    if (error instanceof StoreUnavailable) return refuse("the approvals store cannot be reached");
    // The request's audit line could not be written, or anything else: nothing goes ahead.
    return refuse("the approval could not be recorded");
  }
}
