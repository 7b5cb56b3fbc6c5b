import { describe, expect, it } from "vitest";
import {
  decideWithState,
  type StatefulGate,
  StateReadNotAudited,
} from "../../src/policy/decide-with-state.js";
import type { Decision } from "../../src/policy/gate.js";
import type { ToolContext, ToolDef } from "../../src/tools/types.js";

const ctx = {} as ToolContext;
const CONFIRM: Decision = { kind: "confirm", message: "sure?" };
const DENY: Decision = { kind: "deny", reason: "no", fix: "ask" };

/** A gate that records what it was asked and answers from a table. */
function gate(answer: (lost?: readonly string[]) => Decision, destructive?: StatefulGate["destructive"]) {
  const asked: Array<readonly string[] | undefined> = [];
  const g: StatefulGate = {
    destructive,
    decide: (_tool, _args, lost) => {
      asked.push(lost);
      return answer(lost);
    },
  };
  return { g, asked };
}

const tool = (losses?: ToolDef["losses"]) => ({ name: "secrets_set", losses }) as unknown as ToolDef;

describe("decideWithState", () => {
  it("asks again with what the call loses, and the second answer counts", async () => {
    const { g, asked } = gate((lost) => (lost ? CONFIRM : { kind: "allow" }), "confirm");
    const reads: string[] = [];
    const decision = await decideWithState(
      g,
      tool(async () => ["secret A"]),
      {},
      ctx,
      () => reads.push("audit"),
    );
    expect(decision).toEqual(CONFIRM);
    expect(asked).toEqual([undefined, ["secret A"]]);
    expect(reads).toEqual(["audit"]);
  });

  it("nothing lost: the first answer stands and the gate is asked once", async () => {
    const { g, asked } = gate(() => ({ kind: "allow" }), "deny");
    expect(
      await decideWithState(
        g,
        tool(() => []),
        {},
        ctx,
        () => {},
      ),
    ).toEqual({ kind: "allow" });
    expect(asked).toEqual([undefined]);
  });

  it("does not read state after a deny, for a tool without losses, or when destructive calls are allowed", async () => {
    let read = 0;
    const losses = () => {
      read++;
      return ["x"];
    };
    let audited = 0;
    const audit = () => {
      audited++;
    };
    expect(await decideWithState(gate(() => DENY, "confirm").g, tool(losses), {}, ctx, audit)).toEqual(DENY);
    expect(await decideWithState(gate(() => CONFIRM, "confirm").g, tool(), {}, ctx, audit)).toEqual(CONFIRM);
    expect(
      await decideWithState(gate(() => ({ kind: "allow" }), "allow").g, tool(losses), {}, ctx, audit),
    ).toEqual({
      kind: "allow",
    });
    expect({ read, audited }).toEqual({ read: 0, audited: 0 });
  });

  it("reads state when the policy's destructive mode is not given (fail closed)", async () => {
    const { g, asked } = gate((lost) => (lost ? CONFIRM : { kind: "allow" }));
    expect(
      await decideWithState(
        g,
        tool(() => ["y"]),
        {},
        ctx,
        () => {},
      ),
    ).toEqual(CONFIRM);
    expect(asked).toHaveLength(2);
  });

  it("a state that cannot be read counts as a loss, without Fly's error text", async () => {
    const { g, asked } = gate((lost) => (lost ? CONFIRM : { kind: "allow" }), "confirm");
    const failing = async () => {
      throw new Error("Fly said: internal detail 123");
    };
    expect(await decideWithState(g, tool(failing), {}, ctx, () => {})).toEqual(CONFIRM);
    expect(asked[1]).toEqual([
      "whatever the current state holds (it could not be read, so this counts as destructive)",
    ]);
  });

  it("if the state read cannot be audited, nothing is read and the call fails", async () => {
    let read = 0;
    const { g } = gate(() => ({ kind: "allow" }), "confirm");
    const cause = new Error("disk full");
    const outcome = decideWithState(
      g,
      tool(() => {
        read++;
        return [];
      }),
      {},
      ctx,
      () => {
        throw cause;
      },
    );
    await expect(outcome).rejects.toBeInstanceOf(StateReadNotAudited);
    await expect(outcome).rejects.toMatchObject({
      message: "the audit line of a state read could not be written",
      cause,
    });
    expect(read).toBe(0);
  });
});
