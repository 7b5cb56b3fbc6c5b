import { randomUUID } from "node:crypto";
import { type InputRequiredResult, inputRequired } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { KeyValueStore } from "../state/store.js";
import { CONFIRM_FORM, DEFAULT_CONFIRM_TIMEOUT_MS } from "./confirm.js";
import { argsDigest, type StateCodec } from "./request-state.js";

/**
 * Confirmation by round trip (MCP 2026-07-28): the first call answers `input_required` with a
 * question and a signed state; the client asks its user and calls again with the answer and the
 * state. Only an accepted answer, with a state this server signed for the same agent, tool and
 * arguments, in time and not used before, lets the call through. Nothing is kept between the two
 * calls except the used ids, so any replica sharing the key and the store can finish it.
 */
export interface RoundTripConfirmer {
  check(call: RoundTripCall): Promise<RoundTripOutcome>;
}

export interface RoundTripCall {
  agent: string;
  tool: string;
  args: unknown;
  /** The question shown to the person. */
  message: string;
  /** The request's `requestState`, as sent back by the client. */
  state?: string;
  /** The request's `inputResponses`. */
  responses?: Record<string, unknown>;
  /** Whether the request declared form elicitation in its client capabilities. */
  canElicit: boolean;
}

export type RoundTripOutcome =
  | { kind: "ask"; result: InputRequiredResult }
  | { kind: "confirmed" }
  /** `answered`: the client answered the question (decline, cancel, no tick) rather than the state failing. */
  | { kind: "refused"; reason: string; answered: boolean };

export interface RoundTripOptions {
  codec: StateCodec;
  /** Where spent ids are claimed; shared by the replicas that share the key. */
  store: KeyValueStore;
  /** How long the person has to answer (--confirm-timeout). */
  ttlMs?: number;
  now?: () => number;
}

const ANSWER_KEY = "confirm";
const USED_PREFIX = "confirm-used:";

const question = (message: string) =>
  inputRequired.elicit({
    message,
    requestedSchema: CONFIRM_FORM,
  });

const answerSchema = z.object({
  action: z.enum(["accept", "decline", "cancel"]),
  content: z.record(z.string(), z.unknown()).optional(),
});

const ASK_AGAIN = "Call the tool again without requestState to be asked again.";

export function createRoundTripConfirmer(opts: RoundTripOptions): RoundTripConfirmer {
  const ttlMs = opts.ttlMs ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  const refused = (reason: string, answered = false): RoundTripOutcome => ({
    kind: "refused",
    reason,
    answered,
  });

  return {
    async check(call) {
      const digest = argsDigest(call.args);
      if (call.state === undefined) {
        if (!call.canElicit) {
          return refused(
            "The client did not declare elicitation, so nobody can be asked to confirm; nothing was done. " +
              "Use an MCP client that supports elicitation, or allow destructive calls without asking " +
              "(--destructive allow, or destructive: allow for the agent in the policy file).",
          );
        }
        const requestState = opts.codec.mint({
          id: randomUUID(),
          agent: call.agent,
          tool: call.tool,
          args: digest,
          exp: now() + ttlMs,
        });
        return {
          kind: "ask",
          result: inputRequired({ inputRequests: { [ANSWER_KEY]: question(call.message) }, requestState }),
        };
      }
      const opened = opts.codec.open(call.state);
      if (!opened.ok) {
        if (opened.why === "expired") {
          return refused(
            `The confirmation expired (it is valid for ${Math.round(ttlMs / 1000)} s, --confirm-timeout); nothing was done. ${ASK_AGAIN}`,
          );
        }
        return refused(
          `The requestState was not issued by this server or was altered; nothing was done. ${ASK_AGAIN}`,
        );
      }
      const { state } = opened;
      if (state.agent !== call.agent || state.tool !== call.tool) {
        return refused(
          `The requestState was issued for another agent or tool; nothing was done. ${ASK_AGAIN}`,
        );
      }
      if (state.args !== digest) {
        return refused(
          `The arguments changed since the confirmation was asked; nothing was done. ${ASK_AGAIN}`,
        );
      }
      const answer = answerSchema.safeParse(call.responses?.[ANSWER_KEY]);
      if (!answer.success) {
        return refused(`The call carried no answer to the confirmation; nothing was done. ${ASK_AGAIN}`);
      }
      if (answer.data.action === "decline")
        return refused("The user declined; nothing was done. Do not retry unless they ask.", true);
      if (answer.data.action === "cancel")
        return refused("The user dismissed the confirmation; nothing was done.", true);
      if (answer.data.content?.confirm !== true)
        return refused("The user did not tick Confirm; nothing was done.", true);
      // Spend the id: a second call with the same state is a replay.
      let first: boolean;
      try {
        first = await opts.store.setIfAbsent(
          `${USED_PREFIX}${state.id}`,
          "1",
          Math.max(1, state.exp - now()),
        );
      } catch {
        // Any store failure (unreachable or otherwise) fails closed, with the refusal audited.
        return refused(
          "The shared state store cannot be reached, so this confirmation cannot be checked for reuse; nothing was done. Try again shortly.",
        );
      }
      if (!first) {
        return refused(`This confirmation was already used; nothing was done. ${ASK_AGAIN}`);
      }
      return { kind: "confirmed" };
    },
  };
}
