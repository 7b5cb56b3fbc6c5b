import { createHmac } from "node:crypto";
import { CONFIRM_FIELD } from "../tools/confirm-field.js";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import type { ConfirmFallback } from "./agent-policy.js";
import { canonicalJson } from "./canonical-json.js";
import { resourceOf } from "./gate.js";
import { targetApp } from "./scopes.js";

/**
 * Confirmation for clients that cannot be asked (no elicitation, or a stateless request): the
 * refusal gives an exact phrase naming the target and the change, and the call goes ahead only when
 * repeated with `confirm` set to that phrase. A model can type the phrase too, so this is weaker
 * than elicitation; it is opt-in per agent (`confirm_fallback: echo`).
 */

/** The part of the SDK server that tells what the client declared; undefined before (or without) initialize. */
export interface ClientCapabilitySource {
  getClientCapabilities(): { elicitation?: unknown } | undefined;
}

/** Whether a person can be asked through this connection (form elicitation). */
export function canAskClient(client: ClientCapabilitySource): boolean {
  const elicitation = client.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  if (!elicitation) return false;
  // An empty object is the pre-2025-11 way of saying "form".
  return elicitation.form !== undefined || Object.keys(elicitation).length === 0;
}

/**
 * The phrase for one call: verb, target and options in words, e.g.
 * `delete machine 3d8d413b29d089 in app my-app #1f56e493`. The code binds it to every other
 * argument, secret values included, and to what the call would lose (named in `message`), so a
 * phrase for one call confirms no other. It is keyed (FLY_MCP_STATE_KEY), so it says nothing about
 * the secret values it covers and cannot be computed by the agent.
 */
export function confirmPhrase(
  tool: Pick<ToolDef, "name" | "title" | "path" | "appArg" | "sensitive">,
  args: ToolArgs,
  message: string,
  key: Buffer,
): string {
  const [verb = tool.name, ...rest] = tool.title.toLowerCase().split(" ");
  const noun = rest.join(" ");
  const app = targetApp(tool, args);
  const resource = resourceOf(tool, args);
  let target: string;
  if (resource) target = app ? `${resource} in app ${app}` : resource;
  else if (app) target = noun === "app" ? `app ${app}` : `${noun} in app ${app}`;
  else target = noun;
  const options: string[] = [];
  if (typeof args.signal === "string") options.push(`signal ${args.signal}`);
  if (typeof args.timeout === "string") options.push(`timeout ${args.timeout}`);
  if (args.force === true) options.push("force");
  const withOptions = options.length > 0 ? ` with ${options.join(", ")}` : "";
  const bound = Object.fromEntries(Object.entries(args).filter(([field]) => field !== CONFIRM_FIELD));
  const code = createHmac("sha256", key)
    .update(canonicalJson({ tool: tool.name, args: bound, message }))
    .digest("hex")
    .slice(0, 8);
  return `${verb} ${target}${withOptions} #${code}`;
}

export type EchoOutcome =
  /** Not this fallback's case: ask the person as usual (or refuse as usual). */
  | { kind: "ask" }
  | { kind: "confirmed"; verdict: "confirmed-by-echo" }
  | {
      kind: "refused";
      verdict: "confirm-echo-requested" | "confirm-echo-mismatch";
      reason: string;
      text: string;
    };

export interface EchoInput {
  fallback: ConfirmFallback | undefined;
  client: ClientCapabilitySource;
  tool: Pick<ToolDef, "name" | "title" | "path" | "appArg" | "sensitive">;
  /** The call's arguments without `confirm` (see splitLocalFields). */
  args: ToolArgs;
  /** What the gate asks to confirm; it names the losses, so they are bound into the phrase. */
  message: string;
  /** What the caller put in `confirm`, if anything. */
  echoed: unknown;
  /** Keys the phrase's code: the server's state key, shared by replicas (FLY_MCP_STATE_KEY). */
  key: Buffer;
}

/**
 * Decides a destructive call that needs confirmation. Only with `echo` and a client that cannot be
 * asked does the phrase count; anywhere else `confirm` is ignored and the person is asked as usual.
 * The phrase is compared exactly: same case, whole string.
 */
export function echoConfirmation(input: EchoInput): EchoOutcome {
  const { fallback, client, tool, args, message, echoed, key } = input;
  if (fallback !== "echo" || canAskClient(client)) return { kind: "ask" };
  const phrase = confirmPhrase(tool, args, message, key);
  if (echoed === phrase) return { kind: "confirmed", verdict: "confirmed-by-echo" };
  const how =
    `Show the person this action; only if they agree, call ${tool.name} again with the same arguments ` +
    `and confirm: "${phrase}".`;
  if (echoed === undefined) {
    return {
      kind: "refused",
      verdict: "confirm-echo-requested",
      reason: "the client cannot be asked; the confirmation phrase was given",
      text: `Not done: ${message}\nThis client cannot ask a person to confirm. ${how}`,
    };
  }
  return {
    kind: "refused",
    verdict: "confirm-echo-mismatch",
    reason: "confirm did not match the phrase of this call",
    text: `Not done: ${message}\nconfirm does not match this call's phrase (a different target or arguments, or a typo); nothing was done. ${how}`,
  };
}
