import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { PolicyFile } from "../policy/agent-policy.js";
import type { AuditLog } from "../policy/audit.js";
import { type KeyValueStore, memoryStore } from "../state/store.js";
import { Approvals } from "./service.js";
import { approvalWebhook } from "./webhook.js";

export { Approvals } from "./service.js";

/** The process's approvals, when the policy file names approvers; undefined otherwise. */
export function createApprovals(
  config: Pick<Config, "approvalTtlS" | "approvalWebhook" | "approvalsUrl">,
  policyFile: PolicyFile | undefined,
  audit: Pick<AuditLog, "record">,
  logger: Logger,
  /** The process's one store (shared by replicas when it is Redis); in memory by default. */
  store: KeyValueStore = memoryStore(),
): Approvals | undefined {
  const approvers = policyFile?.approvers ?? {};
  if (!policyFile || Object.keys(approvers).length === 0) return undefined;
  const webhook = config.approvalWebhook
    ? approvalWebhook({ url: config.approvalWebhook, logger })
    : undefined;
  return new Approvals({
    store,
    approvers,
    approversFor: (agent) => policyFile.agents[agent]?.approvers,
    audit: (entry) => audit.record(entry),
    logger,
    ttlMs: config.approvalTtlS * 1000,
    publicUrl: config.approvalsUrl,
    onRequested: webhook && ((request, link) => void webhook(request, link)),
  });
}
