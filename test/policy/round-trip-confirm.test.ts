import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createStateCodec } from "../../src/policy/request-state.js";
import { createRoundTripConfirmer, type RoundTripCall } from "../../src/policy/request-state-confirm.js";
import { type KeyValueStore, memoryStore } from "../../src/state/store.js";

const KEY = Buffer.alloc(32, 5);
const ASK_AGAIN = "Call the tool again without requestState to be asked again.";
const args = { app_name: "my-app", machine_id: "m1" };
// The digest of `args`: sha256 of their sorted-key JSON.
const ARGS_DIGEST = createHash("sha256")
  .update('{"app_name":"my-app","machine_id":"m1"}')
  .digest("base64url");
const accept = { confirm: { action: "accept", content: { confirm: true } } };

/** A confirmer on a shared clock, with a store that records what is claimed. */
function setup(opts: { ttlMs?: number; store?: KeyValueStore } = {}) {
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const codec = createStateCodec(KEY, now);
  const inner = opts.store ?? memoryStore(now);
  const claims: { key: string; value: string; ttlMs: number }[] = [];
  const store: KeyValueStore = {
    ...inner,
    async setIfAbsent(key, value, ttlMs) {
      claims.push({ key, value, ttlMs });
      return inner.setIfAbsent(key, value, ttlMs);
    },
  };
  const confirmer = createRoundTripConfirmer({
    codec,
    store,
    now,
    ...(opts.ttlMs ? { ttlMs: opts.ttlMs } : {}),
  });
  const call = (extra: Partial<RoundTripCall> = {}): RoundTripCall => ({
    agent: "ops",
    tool: "machines_delete",
    args,
    message: "Delete machine m1?",
    canElicit: true,
    ...extra,
  });
  /** The first round: returns the state handed out. */
  const ask = async (extra: Partial<RoundTripCall> = {}) => {
    const out = await confirmer.check(call(extra));
    if (out.kind !== "ask") throw new Error(`expected a question, got ${out.kind}`);
    return out.result.requestState as string;
  };
  return { clock, codec, confirmer, claims, call, ask };
}

const refusal = (reason: string, answered = false) => ({ kind: "refused", reason, answered });

describe("the first call of a round trip", () => {
  it("asks the one-checkbox question and hands out a state for this agent, tool and arguments", async () => {
    const { confirmer, call, codec } = setup();
    const out = await confirmer.check(call());
    expect(out.kind).toBe("ask");
    if (out.kind !== "ask") return;
    expect(out.result.inputRequests).toEqual({
      confirm: {
        method: "elicitation/create",
        params: {
          mode: "form",
          message: "Delete machine m1?",
          requestedSchema: {
            type: "object",
            properties: {
              confirm: {
                type: "boolean",
                title: "Confirm",
                description: "Check to let the agent go ahead with this destructive action",
              },
            },
            required: ["confirm"],
          },
        },
      },
    });
    const opened = codec.open(out.result.requestState as string);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    // Ten minutes by default (--confirm-timeout).
    expect(opened.state).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      agent: "ops",
      tool: "machines_delete",
      args: ARGS_DIGEST,
      exp: 1_000_000 + 600_000,
    });
  });

  it("gives every question its own id", async () => {
    const { ask, codec } = setup();
    const ids = await Promise.all([ask(), ask()]).then((states) =>
      states.map((s) => {
        const opened = codec.open(s);
        return opened.ok ? opened.state.id : "";
      }),
    );
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("lives as long as the configured timeout", async () => {
    const { ask, codec } = setup({ ttlMs: 30_000 });
    const opened = codec.open(await ask());
    expect(opened.ok && opened.state.exp).toBe(1_030_000);
  });

  it("refuses, without a state, a client that cannot be asked", async () => {
    const { confirmer, call } = setup();
    expect(await confirmer.check(call({ canElicit: false }))).toEqual(
      refusal(
        "The client did not declare elicitation, so nobody can be asked to confirm; nothing was done. " +
          "Use an MCP client that supports elicitation, or allow destructive calls without asking " +
          "(--destructive allow, or destructive: allow for the agent in the policy file).",
      ),
    );
  });
});

describe("the answering call", () => {
  it("an accepted answer with its own state confirms, once, claiming the id until the state expires", async () => {
    const { confirmer, call, ask, claims, codec, clock } = setup();
    const state = await ask();
    clock.now += 100_000;
    expect(await confirmer.check(call({ state, responses: accept }))).toEqual({ kind: "confirmed" });
    const opened = codec.open(state);
    const id = opened.ok ? opened.state.id : "?";
    expect(claims).toEqual([{ key: `confirm-used:${id}`, value: "1", ttlMs: 500_000 }]);
  });

  it("a replay of a confirmed state is refused", async () => {
    const { confirmer, call, ask } = setup();
    const state = await ask();
    expect((await confirmer.check(call({ state, responses: accept }))).kind).toBe("confirmed");
    expect(await confirmer.check(call({ state, responses: accept }))).toEqual(
      refusal(`This confirmation was already used; nothing was done. ${ASK_AGAIN}`),
    );
  });

  it("a state issued to another agent, or for another tool, is refused", async () => {
    const { confirmer, call, ask } = setup();
    const other = refusal(
      `The requestState was issued for another agent or tool; nothing was done. ${ASK_AGAIN}`,
    );
    const forOps = await ask();
    expect(await confirmer.check(call({ agent: "ci", state: forOps, responses: accept }))).toEqual(other);
    expect(await confirmer.check(call({ tool: "apps_delete", state: forOps, responses: accept }))).toEqual(
      other,
    );
    // Neither refusal spent it: the right agent and tool still can.
    expect((await confirmer.check(call({ state: forOps, responses: accept }))).kind).toBe("confirmed");
  });

  it("changed arguments are refused, however small the change", async () => {
    const { confirmer, call, ask } = setup();
    const state = await ask();
    const changed = refusal(
      `The arguments changed since the confirmation was asked; nothing was done. ${ASK_AGAIN}`,
    );
    expect(await confirmer.check(call({ args: { ...args, force: true }, state, responses: accept }))).toEqual(
      changed,
    );
    expect(
      await confirmer.check(call({ args: { ...args, machine_id: "m2" }, state, responses: accept })),
    ).toEqual(changed);
  });

  it("a state past its expiry is refused and says how long one lasts", async () => {
    const { confirmer, call, ask, clock, claims } = setup({ ttlMs: 90_400 });
    const state = await ask();
    clock.now += 90_400;
    expect(await confirmer.check(call({ state, responses: accept }))).toEqual(
      refusal(
        `The confirmation expired (it is valid for 90 s, --confirm-timeout); nothing was done. ${ASK_AGAIN}`,
      ),
    );
    expect(claims).toEqual([]);
  });

  it("a state altered or signed with another key is refused", async () => {
    const { confirmer, call, ask } = setup();
    const foreign = await setup().ask();
    const mine = await ask();
    const altered = refusal(
      `The requestState was not issued by this server or was altered; nothing was done. ${ASK_AGAIN}`,
    );
    const otherKey = createStateCodec(Buffer.alloc(32, 6)).mint({
      id: "x",
      agent: "ops",
      tool: "machines_delete",
      args: ARGS_DIGEST,
      exp: 9_999_999_999,
    });
    for (const state of [`${mine}x`, "garbage", otherKey]) {
      expect(await confirmer.check(call({ state, responses: accept })), state).toEqual(altered);
    }
    // Same key, another confirmer: a replica; its state is good here.
    expect((await confirmer.check(call({ state: foreign, responses: accept }))).kind).toBe("confirmed");
  });

  it("without an answer, or with one that is not an answer, nothing is done and the state is not spent", async () => {
    const { confirmer, call, ask, claims } = setup();
    const state = await ask();
    const none = refusal(`The call carried no answer to the confirmation; nothing was done. ${ASK_AGAIN}`);
    expect(await confirmer.check(call({ state }))).toEqual(none);
    expect(await confirmer.check(call({ state, responses: {} }))).toEqual(none);
    expect(await confirmer.check(call({ state, responses: { confirm: { action: "yes" } } }))).toEqual(none);
    expect(await confirmer.check(call({ state, responses: { other: accept.confirm } }))).toEqual(none);
    expect(claims).toEqual([]);
  });

  it("decline, dismiss and an unticked box are the person's answers", async () => {
    const { confirmer, call, ask, claims } = setup();
    const state = await ask();
    const answer = (confirm: unknown) => confirmer.check(call({ state, responses: { confirm } }));
    expect(await answer({ action: "decline" })).toEqual(
      refusal("The user declined; nothing was done. Do not retry unless they ask.", true),
    );
    expect(await answer({ action: "cancel" })).toEqual(
      refusal("The user dismissed the confirmation; nothing was done.", true),
    );
    const unticked = refusal("The user did not tick Confirm; nothing was done.", true);
    expect(await answer({ action: "accept" })).toEqual(unticked);
    expect(await answer({ action: "accept", content: { confirm: "true" } })).toEqual(unticked);
    expect(await answer({ action: "accept", content: { confirm: false } })).toEqual(unticked);
    expect(claims).toEqual([]);
  });

  it("a store that cannot answer refuses, never confirms", async () => {
    const failing: KeyValueStore = {
      ...memoryStore(),
      async setIfAbsent() {
        throw new Error("connection reset");
      },
    };
    const { confirmer, call, ask } = setup({ store: failing });
    const state = await ask();
    expect(await confirmer.check(call({ state, responses: accept }))).toEqual(
      refusal(
        "The shared state store cannot be reached, so this confirmation cannot be checked for reuse; nothing was done. Try again shortly.",
      ),
    );
  });
});
