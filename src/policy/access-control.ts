import type { RequestOptions } from "@modelcontextprotocol/server";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import type { AgentPolicy, ConfirmFallback, DestructiveMode } from "./agent-policy.js";
import { askConfirmation, type Confirmation, type ElicitingServer } from "./confirm.js";
import { type Decision, decide, isListed } from "./gate.js";
import type { PolicyTool, TokenScope } from "./scopes.js";
import { redactSecretValues } from "./secrets.js";

/** Tools whose results can carry secret values. */
export const isSecretsTool = (tool: Pick<ToolDef, "path">): boolean =>
  /\/secret(?:s|keys)(?:\/|$)/.test(tool.path);

/** One agent's gate, bound to the token scope: the shape the server's registration wrapper calls. */
export interface PolicyAccess {
  agent: string;
  isListed(tool: PolicyTool): boolean;
  /** `lost`: what the call would lose, as the tool's `losses` hook named it. */
  decide(tool: PolicyTool, args: ToolArgs, lost?: readonly string[]): Decision;
  destructive: DestructiveMode;
  confirmFallback: ConfirmFallback;
  confirm(
    server: ElicitingServer | { server: ElicitingServer },
    message: string,
    options?: RequestOptions,
  ): Promise<Confirmation>;
  revealSecrets: boolean;
  /** Hides secret values; with `tool`, only results of secrets tools are touched. */
  redactSecrets(data: unknown, tool?: Pick<ToolDef, "path">): unknown;
}

export function createAccessControl(opts: {
  scope: TokenScope;
  scopeApp?: string;
  policy: AgentPolicy;
  /** The app this server runs in; see GateInput.ownApp. */
  ownApp?: string;
}): PolicyAccess {
  const { scope, scopeApp, policy, ownApp } = opts;
  return {
    agent: policy.name,
    isListed: (tool) => isListed({ scope, scopeApp, policy, tool }),
    decide: (tool, args, lost) => decide({ scope, scopeApp, policy, tool, args, lost, ownApp }),
    destructive: policy.destructive,
    confirmFallback: policy.confirm_fallback ?? "deny",
    confirm: (server, message, options) => askConfirmation(server, message, options),
    revealSecrets: policy.reveal_secrets === true,
    redactSecrets: (data, tool) => (tool && !isSecretsTool(tool) ? data : redactSecretValues(data)),
  };
}
