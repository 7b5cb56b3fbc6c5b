import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { scrubOutgoing } from "../../src/policy/scrub-transport.js";

// Token-shaped, assembled at run time so no token-shaped literal sits in the tree.
const token = (tail: string) => ["fm2", `${tail}AbCdEfGhIjKlMnOp`].join("_");

function capture() {
  const sent: JSONRPCMessage[] = [];
  const transport = {
    start: async () => {},
    close: async () => {},
    send: async (message: JSONRPCMessage) => {
      sent.push(message);
    },
  } as Transport;
  return { sent, transport };
}

const result = (id: number, text: string): JSONRPCMessage => ({
  jsonrpc: "2.0",
  id,
  result: { content: [{ type: "text", text }] },
});
const textIn = (m: JSONRPCMessage | undefined) =>
  (m as unknown as { result: { content: Array<{ text: string }> } }).result.content[0]!.text;

describe("scrubOutgoing", () => {
  it("scrubs a token-shaped string in anything the server sends", async () => {
    const { sent, transport } = capture();
    await scrubOutgoing(transport).send(result(1, `here: ${token("one")}`));
    expect(textIn(sent[0])).toBe("here: [redacted]");
  });

  it("lets a minted token through once, in the first message that carries it, then scrubs it", async () => {
    const { sent, transport } = capture();
    const minted = new Set([token("mint"), token("other")]);
    const out = scrubOutgoing(transport, minted);
    await out.send(result(1, "no token here"));
    expect(minted).toEqual(new Set([token("mint"), token("other")]));
    await out.send(result(2, `new: ${token("mint")}`));
    expect(textIn(sent[1])).toBe(`new: ${token("mint")}`);
    expect(minted).toEqual(new Set([token("other")]));
    await out.send(result(3, `again: ${token("mint")}`));
    expect(textIn(sent[2])).toBe("again: [redacted]");
  });

  it("a reply that cannot be serialised becomes an error reply with the same id", async () => {
    const { sent, transport } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await scrubOutgoing(transport).send({ jsonrpc: "2.0", id: 7, result: cyclic } as JSONRPCMessage);
    expect(sent).toEqual([
      {
        jsonrpc: "2.0",
        id: 7,
        error: {
          code: -32603,
          message: "The reply could not be serialised (nested too deep); nothing more is known.",
        },
      },
    ]);
  });

  it("a minted token waiting while a reply cannot be serialised still passes in the next message", async () => {
    const { sent, transport } = capture();
    const minted = new Set([token("wait")]);
    const out = scrubOutgoing(transport, minted);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await out.send({ jsonrpc: "2.0", id: 1, result: cyclic } as JSONRPCMessage);
    expect(minted).toEqual(new Set([token("wait")]));
    await out.send(result(2, `new: ${token("wait")}`));
    expect(textIn(sent[1])).toBe(`new: ${token("wait")}`);
    expect(minted).toEqual(new Set());
  });

  it("a notification that cannot be serialised is dropped, not sent", async () => {
    const { sent, transport } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notification = { jsonrpc: "2.0", method: "notifications/progress", params: cyclic };
    await expect(scrubOutgoing(transport).send(notification as JSONRPCMessage)).resolves.toBeUndefined();
    expect(sent).toEqual([]);
  });

  it("returns the same transport, with only send replaced", () => {
    const { transport } = capture();
    const start = transport.start;
    expect(scrubOutgoing(transport)).toBe(transport);
    expect(transport.start).toBe(start);
  });
});
