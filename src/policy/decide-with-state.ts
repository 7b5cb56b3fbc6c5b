import type { ToolArgs, ToolContext, ToolDef } from "../tools/types.js";
import type { DestructiveMode } from "./agent-policy.js";
import type { Decision } from "./gate.js";

/** The audit line announcing a state read could not be written; nothing was sent. */
export class StateReadNotAudited extends Error {
  constructor(cause: unknown) {
    super("the audit line of a state read could not be written", { cause });
  }
}

/** The part of an agent's gate this needs: the pure decision, and how it treats destructive calls. */
export interface StatefulGate {
  decide(tool: ToolDef, args: ToolArgs, lost?: readonly string[]): Decision;
  /** When it is `allow`, what a call loses changes nothing, so the current state is not read. */
  destructive?: DestructiveMode;
}

/**
 * The gate's decision on one call, for every tool alike: first from the arguments alone; then, when
 * that allowed or asked and the tool names what it would lose (reading the current state through
 * Fly where the arguments cannot tell), again with those losses, which make the call destructive.
 * A state that cannot be read counts as a loss: the call is treated as destructive (fail closed).
 */
export async function decideWithState(
  gate: StatefulGate,
  tool: ToolDef,
  args: ToolArgs,
  ctx: ToolContext,
  beforeRead: () => void,
): Promise<Decision> {
  const first = gate.decide(tool, args);
  if (first.kind === "deny" || !tool.losses || gate.destructive === "allow") return first;
  // Audit before act: the state read is a request to Fly too. If its line cannot be written, nothing is read.
  try {
    beforeRead();
  } catch (error) {
    throw new StateReadNotAudited(error);
  }
  let lost: readonly string[];
  try {
    lost = await tool.losses(args, ctx);
  } catch {
    // The error text stays out: it is Fly's, and the confirmation is shown to the agent.
    lost = ["whatever the current state holds (it could not be read, so this counts as destructive)"];
  }
  return lost.length === 0 ? first : gate.decide(tool, args, lost);
}
