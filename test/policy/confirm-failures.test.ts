import { SdkError, SdkErrorCode } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import {
  askConfirmation,
  clientConfirmationNotice,
  confirmVerdict,
  type ElicitingServer,
} from "../../src/policy/confirm.js";

/** A form-capable client whose one answer is `outcome` (thrown when it is an error). */
function client(outcome: unknown) {
  const options: unknown[] = [];
  const server = {
    getClientCapabilities: () => ({ elicitation: { form: {} } }),
    elicitInput: async (_params: unknown, opts: unknown) => {
      options.push(opts);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  } as unknown as ElicitingServer;
  return { server, options };
}

const MESSAGE = "Allow machines_destroy on machine 148e in app web?";

describe("a question that gets no answer is a refusal that says why", () => {
  it("a call cancelled while waiting says so, whatever the request failed with", async () => {
    const controller = new AbortController();
    controller.abort();
    const { server } = client(new Error("This operation was aborted"));
    expect(await askConfirmation(server, MESSAGE, { signal: controller.signal })).toEqual({
      confirmed: false,
      reason: "The call was cancelled while waiting for confirmation; nothing was done.",
    });
  });

  it("a timeout names the wait in seconds and the flag that sets it", async () => {
    const { server } = client(new SdkError(SdkErrorCode.RequestTimeout, "Request timed out"));
    expect(await askConfirmation(server, MESSAGE, { timeout: 90_000 })).toEqual({
      confirmed: false,
      reason: "Nobody answered the confirmation within 90 s (--confirm-timeout); nothing was done.",
    });
  });

  it("without a timeout option the wait is ten minutes, and the client is given that", async () => {
    const { server, options } = client(new SdkError(SdkErrorCode.RequestTimeout, "Request timed out"));
    expect((await askConfirmation(server, MESSAGE)).reason).toBe(
      "Nobody answered the confirmation within 600 s (--confirm-timeout); nothing was done.",
    );
    expect(options).toEqual([{ timeout: 600_000 }]);
  });

  it("a timeout option is passed on to the question as given", async () => {
    const { server, options } = client({ action: "cancel" });
    await askConfirmation(server, MESSAGE, { timeout: 45_000, relatedRequestId: 3 });
    expect(options).toEqual([{ timeout: 45_000, relatedRequestId: 3 }]);
  });

  it("another SDK failure is named as a failure, not a timeout", async () => {
    const { server } = client(new SdkError(SdkErrorCode.ConnectionClosed, "Connection closed"));
    expect((await askConfirmation(server, MESSAGE, { timeout: 90_000 })).reason).toBe(
      "Asking for confirmation failed (Connection closed); nothing was done.",
    );
  });

  it("an ordinary error that merely carries the timeout code is a failure, not a timeout", async () => {
    const lookalike = Object.assign(new Error("upstream gave up"), { code: SdkErrorCode.RequestTimeout });
    const { server } = client(lookalike);
    expect((await askConfirmation(server, MESSAGE, { timeout: 90_000 })).reason).toBe(
      "Asking for confirmation failed (upstream gave up); nothing was done.",
    );
  });
});

describe("the audit verdict of an answer", () => {
  it("a decline is an answer from the client, so over HTTP the audit says the client declined", async () => {
    const answer = await askConfirmation(client({ action: "decline" }).server, MESSAGE);
    expect(answer).toEqual({
      answered: true,
      confirmed: false,
      reason: "The user declined; nothing was done. Do not retry unless they ask.",
    });
    expect(confirmVerdict(answer, true)).toBe("confirm-declined-by-client");
  });

  it("on stdio the verdict is plain accepted or declined", () => {
    expect(confirmVerdict({ confirmed: true, answered: true }, false)).toBe("confirm-accepted");
    expect(confirmVerdict({ confirmed: false, answered: true }, false)).toBe("confirm-declined");
  });

  it("over HTTP an unanswered question is a plain decline", () => {
    expect(confirmVerdict({ confirmed: false }, true)).toBe("confirm-declined");
    expect(confirmVerdict({ confirmed: true, answered: true }, true)).toBe("confirm-accepted-by-client");
  });
});

describe("the start-up notice about HTTP agents that confirm", () => {
  it("is printed, word for word, when any agent confirms", () => {
    // Exact words, so a changed notice shows.
    expect(clientConfirmationNotice([undefined, "deny", "confirm"])).toBe(
      "fly-machines-mcp: over HTTP, destructive: confirm asks the agent's own MCP client, which may answer " +
        "without a person; audit lines say confirm-accepted-by-client. Use destructive: deny for unattended agents\n",
    );
  });

  it("is absent when no agent confirms", () => {
    expect(clientConfirmationNotice(["deny", "allow", "approve", undefined])).toBeUndefined();
    expect(clientConfirmationNotice([])).toBeUndefined();
  });
});
