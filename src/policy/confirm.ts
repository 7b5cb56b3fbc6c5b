import type { RequestOptions, Server } from "@modelcontextprotocol/server";
import { SdkError, SdkErrorCode } from "@modelcontextprotocol/server";

/** The part of the SDK Server that confirmation uses; an McpServer (which wraps one) is accepted too. */
/** The one question a confirmation asks, by elicitation or by round trip: a single checkbox. */
export const CONFIRM_FORM = {
  type: "object" as const,
  properties: {
    confirm: {
      type: "boolean" as const,
      title: "Confirm",
      description: "Check to let the agent go ahead with this destructive action",
    },
  },
  required: ["confirm"],
};

export type ElicitingServer = Pick<Server, "getClientCapabilities" | "elicitInput">;

/** People take longer than the SDK's 60 s request timeout to read and answer. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 10 * 60_000;

export interface Confirmation {
  confirmed: boolean;
  reason: string;
  /** The client answered the question (accept, decline, dismiss); false when it could not be asked or never answered. */
  answered?: boolean;
}

const HOW_TO_ALLOW =
  "use an MCP client that supports elicitation so a human can confirm it, or allow destructive calls " +
  "without asking (--destructive allow, or destructive: allow for the agent in the policy file)";

function supportsForm(server: ElicitingServer): boolean {
  const elicitation = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  if (!elicitation) return false;
  // An empty object is the pre-2025-11 way of saying "form".
  return elicitation.form !== undefined || Object.keys(elicitation).length === 0;
}

function failureReason(error: unknown, timeoutMs: number, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return "The call was cancelled while waiting for confirmation; nothing was done.";
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout) {
    return `Nobody answered the confirmation within ${Math.round(timeoutMs / 1000)} s (--confirm-timeout); nothing was done.`;
  }
  const why = error instanceof Error ? error.message : String(error);
  return `Asking for confirmation failed (${why}); nothing was done.`;
}

/**
 * Asks the human behind the client to confirm a destructive call via form elicitation. Confirmed
 * only when they accept with confirm: true; everything else (no support, decline, cancel, a
 * failed request) is a refusal with a reason the agent can relay. Pass the call's request id as
 * `relatedRequestId` (so over HTTP the question travels on the call's own stream) and its signal.
 */
export async function askConfirmation(
  target: ElicitingServer | { server: ElicitingServer },
  message: string,
  options?: RequestOptions,
): Promise<Confirmation> {
  const server = "server" in target ? target.server : target;
  if (server.getClientCapabilities() === undefined) {
    // No initialize on this connection: a stateless HTTP request, which no later request can answer.
    return {
      confirmed: false,
      reason: `This server runs without sessions (--stateless), so nobody can be asked to confirm; to run it, use a server with sessions, or ${HOW_TO_ALLOW}.`,
    };
  }
  if (!supportsForm(server)) {
    return {
      confirmed: false,
      reason: `The client cannot ask for confirmation; to run it, ${HOW_TO_ALLOW}.`,
    };
  }
  let result: Awaited<ReturnType<Server["elicitInput"]>>;
  const timeout = options?.timeout ?? DEFAULT_CONFIRM_TIMEOUT_MS;
  try {
    result = await server.elicitInput(
      {
        mode: "form",
        message,
        requestedSchema: CONFIRM_FORM,
      },
      { ...options, timeout },
    );
  } catch (error) {
    return { confirmed: false, reason: failureReason(error, timeout, options?.signal) };
  }
  if (result.action === "accept" && result.content?.confirm === true) {
    return { answered: true, confirmed: true, reason: "confirmed by the user" };
  }
  if (result.action === "accept") {
    return { answered: true, confirmed: false, reason: "The user did not tick Confirm; nothing was done." };
  }
  if (result.action === "decline") {
    return {
      answered: true,
      confirmed: false,
      reason: "The user declined; nothing was done. Do not retry unless they ask.",
    };
  }
  return {
    answered: true,
    confirmed: false,
    reason: "The user dismissed the confirmation; nothing was done.",
  };
}

/**
 * The audit verdict of a confirmation. Over HTTP the remote agent's own MCP client answers the
 * elicitation, and nothing shows that a person saw it: the audit says the client answered. A question
 * nobody answered (timeout, hang-up, no elicitation) is a plain decline.
 */
export const confirmVerdict = (
  answer: Pick<Confirmation, "confirmed" | "answered">,
  overHttp: boolean,
): string =>
  `confirm-${answer.confirmed ? "accepted" : "declined"}${overHttp && answer.answered ? "-by-client" : ""}`;

/** One start-up line when HTTP agents confirm destructive calls: their own client is the one asked. */
export function clientConfirmationNotice(modes: readonly (string | undefined)[]): string | undefined {
  if (!modes.includes("confirm")) return undefined;
  return "fly-machines-mcp: over HTTP, destructive: confirm asks the agent's own MCP client, which may answer without a person; audit lines say confirm-accepted-by-client. Use destructive: deny for unattended agents\n";
}
