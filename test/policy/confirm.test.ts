import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { askConfirmation, type ElicitingServer } from "../../src/policy/index.js";

function fakeServer(caps: Record<string, unknown> | undefined, answer?: ElicitResult | Error) {
  const requests: unknown[] = [];
  const server = {
    getClientCapabilities: () => caps,
    elicitInput: async (params: unknown) => {
      requests.push(params);
      if (answer instanceof Error) throw answer;
      return answer ?? { action: "cancel" };
    },
  } as unknown as ElicitingServer;
  return { server, requests };
}

const MESSAGE = "Allow machines_delete (Delete machine) on machine 148e in app web?";

describe("askConfirmation", () => {
  it("accept with confirm: true confirms, and sends a boolean form", async () => {
    const { server, requests } = fakeServer(
      { elicitation: { form: {} } },
      { action: "accept", content: { confirm: true } },
    );
    expect(await askConfirmation(server, MESSAGE)).toEqual({
      confirmed: true,
      reason: "confirmed by the user",
      answered: true,
    });
    expect(requests).toEqual([
      {
        mode: "form",
        message: MESSAGE,
        requestedSchema: {
          type: "object",
          properties: { confirm: { type: "boolean", title: "Confirm", description: expect.any(String) } },
          required: ["confirm"],
        },
      },
    ]);
  });

  it("accepts an McpServer-like wrapper and the legacy empty capability", async () => {
    const { server } = fakeServer({ elicitation: {} }, { action: "accept", content: { confirm: true } });
    expect((await askConfirmation({ server }, MESSAGE)).confirmed).toBe(true);
  });

  it("accept without ticking confirm is not a confirmation", async () => {
    const { server } = fakeServer(
      { elicitation: { form: {} } },
      { action: "accept", content: { confirm: false } },
    );
    expect(await askConfirmation(server, MESSAGE)).toMatchObject({
      confirmed: false,
      reason: expect.stringMatching(/did not tick/),
    });
  });

  it("decline", async () => {
    const { server } = fakeServer({ elicitation: { form: {} } }, { action: "decline" });
    expect(await askConfirmation(server, MESSAGE)).toMatchObject({
      confirmed: false,
      reason: expect.stringMatching(/declined/),
    });
  });

  it("cancel", async () => {
    const { server } = fakeServer({ elicitation: { form: {} } }, { action: "cancel" });
    expect(await askConfirmation(server, MESSAGE)).toMatchObject({
      confirmed: false,
      reason: expect.stringMatching(/dismissed/),
    });
  });

  it.each([
    ["no capabilities", undefined],
    ["no elicitation", { sampling: {} }],
    ["url elicitation only", { elicitation: { url: {} } }],
  ])("unsupported client (%s) is not asked and is told how to allow it", async (_n, caps) => {
    const { server, requests } = fakeServer(caps, { action: "accept", content: { confirm: true } });
    const r = await askConfirmation(server, MESSAGE);
    expect(r.confirmed).toBe(false);
    expect(r.reason).toMatch(/supports elicitation/);
    expect(r.reason).toMatch(/--destructive allow/);
    expect(r.reason).toMatch(/destructive: allow/);
    expect(requests).toHaveLength(0);
  });

  it("a failed elicitation request is a refusal", async () => {
    const { server } = fakeServer({ elicitation: { form: {} } }, new Error("Request timed out"));
    expect(await askConfirmation(server, MESSAGE)).toMatchObject({
      confirmed: false,
      reason: expect.stringMatching(/timed out/),
    });
  });
});
