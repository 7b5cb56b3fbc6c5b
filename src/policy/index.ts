export { createAccessControl, isSecretsTool, type PolicyAccess } from "./access-control.js";
export {
  ACCESS_CLASSES,
  type AgentPolicy,
  type ConfirmFallback,
  checkToolNames,
  type DestructiveMode,
  findAgentByKey,
  formatPath,
  hashKey,
  loadPolicyFile,
  type PolicyFile,
  PolicyFileError,
  type PolicyFlags,
  type PolicyIssue,
  type PolicyOptions,
  parsePolicy,
  policyFromFlags,
  unknownToolIssues,
} from "./agent-policy.js";
export {
  type AuditDecision,
  type AuditEntry,
  type AuditLog,
  type AuditLogOptions,
  createAuditLog,
  redactArgs,
  scrubString,
} from "./audit.js";
export { askConfirmation, type Confirmation, type ElicitingServer } from "./confirm.js";
export {
  type Decision,
  decide,
  describeDestruction,
  type GateInput,
  isDestructive,
  isListed,
  resourceOf,
} from "./gate.js";
export { type DetectedScope, type DetectScopeOptions, detectScope } from "./introspect.js";
export {
  appField,
  hasAppField,
  isAppScoped,
  MACHINE_EXEC_READS,
  type PolicyTool,
  TOKEN_SCOPES,
  type TokenScope,
  targetApp,
} from "./scopes.js";
export { REDACTED, redactSecretValues } from "./secrets.js";
