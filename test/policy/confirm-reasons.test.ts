import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { askConfirmation, type ElicitingServer } from "../../src/policy/index.js";

/** A client that declares `caps` and answers every question with `answer` (or fails with it). */
function client(
  caps: Record<string, unknown> | undefined,
  answer: ElicitResult | unknown = { action: "cancel" },
) {
  const asked: Array<{ params: Record<string, unknown>; options: unknown }> = [];
  const server = {
    getClientCapabilities: () => caps,
    elicitInput: async (params: Record<string, unknown>, options: unknown) => {
      asked.push({ params, options });
      if (answer instanceof Error || typeof answer === "string") throw answer;
      return answer;
    },
  } as unknown as ElicitingServer;
  return { server, asked };
}

const FORM = { elicitation: { form: {} } };
const MESSAGE = "Allow machines_destroy on machine 148e in app web?";
const yes = { action: "accept", content: { confirm: true } } as const;

describe("who is asked", () => {
  it("a connection that never initialized (stateless HTTP) is told why nobody can confirm", async () => {
    const { server, asked } = client(undefined, yes);
    const r = await askConfirmation(server, MESSAGE);
    expect(r.confirmed).toBe(false);
    expect(r.reason).toMatch(/without sessions \(--stateless\)/);
    expect(r.reason).toMatch(/use a server with sessions/);
    expect(asked).toHaveLength(0);
  });

  it("a client without elicitation is told it cannot confirm, not that the server is stateless", async () => {
    const { server, asked } = client({ sampling: {} }, yes);
    const r = await askConfirmation(server, MESSAGE);
    expect(r.confirmed).toBe(false);
    expect(r.reason).toMatch(/^The client cannot ask for confirmation/);
    expect(r.reason).not.toMatch(/stateless/);
    expect(asked).toHaveLength(0);
  });

  it("a client offering form and url elicitation is asked", async () => {
    const { server, asked } = client({ elicitation: { form: {}, url: {} } }, yes);
    expect((await askConfirmation(server, MESSAGE)).confirmed).toBe(true);
    expect(asked).toHaveLength(1);
  });

  it("the question carries the caller's message, a required boolean and the request options", async () => {
    const { server, asked } = client(FORM, yes);
    await askConfirmation(server, MESSAGE, { relatedRequestId: 7 });
    const { params, options } = asked[0]!;
    expect(params.message).toBe(MESSAGE);
    expect(params.requestedSchema).toMatchObject({
      type: "object",
      properties: { confirm: { type: "boolean", description: expect.stringMatching(/destructive action/) } },
      required: ["confirm"],
    });
    expect(options).toMatchObject({ relatedRequestId: 7 });
  });
});

describe("what counts as a yes", () => {
  it.each([
    ["confirm as the string true", { action: "accept", content: { confirm: "true" } }],
    ["confirm as 1", { action: "accept", content: { confirm: 1 } }],
    ["accept with no content", { action: "accept" }],
  ])("only confirm: true is a yes (%s is not)", async (_, answer) => {
    const { server } = client(FORM, answer);
    expect(await askConfirmation(server, MESSAGE)).toEqual({
      confirmed: false,
      reason: "The user did not tick Confirm; nothing was done.",
      answered: true,
    });
  });

  it("a decline or cancel is a refusal even if the client also sends confirm: true", async () => {
    for (const action of ["decline", "cancel"] as const) {
      const { server } = client(FORM, { action, content: { confirm: true } });
      expect((await askConfirmation(server, MESSAGE)).confirmed).toBe(false);
    }
  });

  it("a decline tells the agent not to retry on its own", async () => {
    const { server } = client(FORM, { action: "decline" });
    expect((await askConfirmation(server, MESSAGE)).reason).toBe(
      "The user declined; nothing was done. Do not retry unless they ask.",
    );
  });

  it("a dismissed question is a refusal", async () => {
    const { server } = client(FORM, { action: "cancel" });
    expect(await askConfirmation(server, MESSAGE)).toEqual({
      confirmed: false,
      reason: "The user dismissed the confirmation; nothing was done.",
      answered: true,
    });
  });

  it("a failed request names the failure, whatever was thrown", async () => {
    const failed = await askConfirmation(client(FORM, new Error("socket hang up")).server, MESSAGE);
    expect(failed).toEqual({
      confirmed: false,
      reason: "Asking for confirmation failed (socket hang up); nothing was done.",
    });
    const thrownText = await askConfirmation(client(FORM, "stream closed").server, MESSAGE);
    expect(thrownText.reason).toBe("Asking for confirmation failed (stream closed); nothing was done.");
  });
});
