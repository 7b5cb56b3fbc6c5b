import { randomBytes } from "node:crypto";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { type KeyValueStore, memoryStore, StoreUnavailable } from "../../src/state/store.js";
import { harness } from "../http/support.js";
import {
  AGENT_KEYS,
  confirmingAgents,
  fleet,
  MODERN,
  type ModernReply,
  modern,
  modernClient,
  serverFactoryFor,
  target,
  textOfReply,
} from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

/** Two replicas sharing the key and the store: one sessionless by default, one --stateless. */
async function twoReplicas() {
  const shared = fleet();
  const a = await h.start({ agents: confirmingAgents(), serverFor: shared.serverFor, stateless: false });
  const b = await h.start({ agents: confirmingAgents(), serverFor: shared.serverFor, stateless: true });
  return { ...shared, a, b };
}

const destroy = (extra: Record<string, unknown> = {}, args: Record<string, unknown> = target) => ({
  name: "machines_delete",
  arguments: args,
  ...extra,
});

const accept = { confirm: { action: "accept", content: { confirm: true } } };

/** The first round: the server asks, and hands out its signed state. */
async function ask(url: string, key = AGENT_KEYS.ops): Promise<string> {
  const first = await modern(url, key, "tools/call", destroy());
  expect(first.status).toBe(200);
  expect(first.body.result?.resultType).toBe("input_required");
  expect(first.body.result?.inputRequests?.confirm?.method).toBe("elicitation/create");
  expect(first.body.result?.inputRequests?.confirm?.params.message).toContain(target.machine_id);
  const state = first.body.result?.requestState;
  expect(typeof state).toBe("string");
  return state as string;
}

const refused = (reply: ModernReply, why: RegExp) => {
  expect(reply.status).toBe(200);
  expect(reply.body.result?.isError).toBe(true);
  expect(textOfReply(reply)).toMatch(why);
};

describe("confirmation by round trip over HTTP (2026-07-28)", () => {
  it("accept: asked at one replica, answered at the other (--stateless), runs once", async () => {
    const r = await twoReplicas();
    const state = await ask(r.a.url);
    expect(r.fly.writes()).toEqual([]);
    const second = await modern(
      r.b.url,
      AGENT_KEYS.ops,
      "tools/call",
      destroy({ inputResponses: accept, requestState: state }),
    );
    expect(second.body.result?.isError).toBeFalsy();
    expect(r.fly.writes()).toEqual([`DELETE /v1/apps/my-app/machines/${target.machine_id}`]);
    const decisions = r.audit.filter((e) => e.tool === "machines_delete").map((e) => e.decision);
    expect(decisions).toEqual([
      "confirm-asked-round-trip",
      "confirm-accepted-round-trip",
      "confirm-accepted-round-trip",
    ]);
    expect(r.audit.find((e) => e.event === "tool_call")?.agent).toBe("ops");
  });

  it("decline and cancel send nothing to Fly and say so", async () => {
    const r = await twoReplicas();
    for (const action of ["decline", "cancel"] as const) {
      const state = await ask(r.a.url);
      const reply = await modern(
        r.b.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({ inputResponses: { confirm: { action } }, requestState: state }),
      );
      refused(reply, action === "decline" ? /declined/ : /dismissed/);
    }
    const unticked = await ask(r.a.url);
    refused(
      await modern(
        r.a.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({
          inputResponses: { confirm: { action: "accept", content: { confirm: false } } },
          requestState: unticked,
        }),
      ),
      /did not tick Confirm/,
    );
    expect(r.fly.writes()).toEqual([]);
    expect(r.audit.filter((e) => e.decision === "confirm-declined-round-trip")).toHaveLength(3);
  });

  it("a tampered state is refused", async () => {
    const r = await twoReplicas();
    const state = await ask(r.a.url);
    const [payload, signature] = state.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = `${Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3_600_000 })).toString("base64url")}.${signature}`;
    for (const bad of [forged, `${state}x`, "not-a-state", `${payload}.`]) {
      refused(
        await modern(
          r.b.url,
          AGENT_KEYS.ops,
          "tools/call",
          destroy({ inputResponses: accept, requestState: bad }),
        ),
        /not issued by this server or was altered/,
      );
    }
    expect(r.fly.writes()).toEqual([]);
  });

  it("a state past its expiry is refused; one just inside it is accepted", async () => {
    const r = await twoReplicas();
    const late = await ask(r.a.url);
    const inTime = await ask(r.a.url);
    r.fly.requests.length = 0;
    r.clock.now += 60_000; // confirmTimeoutMs: the state's lifetime is over
    refused(
      await modern(
        r.b.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({ inputResponses: accept, requestState: late }),
      ),
      /expired/,
    );
    expect(r.fly.writes()).toEqual([]);
    r.clock.now -= 1;
    const ok = await modern(
      r.b.url,
      AGENT_KEYS.ops,
      "tools/call",
      destroy({ inputResponses: accept, requestState: inTime }),
    );
    expect(ok.body.result?.isError).toBeFalsy();
    expect(r.fly.writes()).toHaveLength(1);
  });

  it("a state issued to another agent is refused", async () => {
    const r = await twoReplicas();
    const state = await ask(r.a.url, AGENT_KEYS.ops);
    refused(
      await modern(
        r.b.url,
        AGENT_KEYS.other,
        "tools/call",
        destroy({ inputResponses: accept, requestState: state }),
      ),
      /another agent/,
    );
    expect(r.fly.writes()).toEqual([]);
  });

  it("a replay is refused, at the same replica or another", async () => {
    const r = await twoReplicas();
    const state = await ask(r.a.url);
    const answer = destroy({ inputResponses: accept, requestState: state });
    expect((await modern(r.a.url, AGENT_KEYS.ops, "tools/call", answer)).body.result?.isError).toBeFalsy();
    refused(await modern(r.a.url, AGENT_KEYS.ops, "tools/call", answer), /already used/);
    refused(await modern(r.b.url, AGENT_KEYS.ops, "tools/call", answer), /already used/);
    expect(r.fly.writes()).toHaveLength(1);
  });

  it("arguments changed between the two calls are refused", async () => {
    const r = await twoReplicas();
    const state = await ask(r.a.url);
    const other = { ...target, machine_id: "e784079b449483" };
    refused(
      await modern(
        r.b.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({ inputResponses: accept, requestState: state }, other),
      ),
      /arguments changed/,
    );
    refused(
      await modern(
        r.b.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({ inputResponses: accept, requestState: state }, { ...target, force: true }),
      ),
      /arguments changed/,
    );
    expect(r.fly.writes()).toEqual([]);
  });

  it("a client that declared no elicitation is not asked: a clear refusal, not -32021", async () => {
    const r = await twoReplicas();
    const reply = await modern(r.a.url, AGENT_KEYS.ops, "tools/call", destroy(), { capabilities: {} });
    refused(reply, /did not declare elicitation/);
    expect(reply.body.result?.resultType).not.toBe("input_required");
    expect(r.fly.writes()).toEqual([]);
  });

  it("the SDK v2 client in 2026-07-28 mode lists, calls and confirms", async () => {
    const r = await twoReplicas();
    const { client, asked } = await modernClient(r.b, AGENT_KEYS.ops, () => ({
      action: "accept",
      content: { confirm: true },
    }));
    expect(client.getProtocolEra()).toBe("modern");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("machines_delete");
    const result = await client.callTool({ name: "machines_delete", arguments: target });
    expect(result.isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    expect(r.fly.writes()).toHaveLength(1);
    await client.close();
  });
});

describe("2026-07-28 over HTTP: the wire", () => {
  it("refuses Mcp-Method / Mcp-Name that disagree with the body: 400, -32020, nothing done", async () => {
    const r = await twoReplicas();
    for (const url of [r.a.url, r.b.url]) {
      const byName = await modern(url, AGENT_KEYS.ops, "tools/call", destroy(), {
        headers: { "Mcp-Name": "machines_list" },
      });
      expect(byName.status).toBe(400);
      expect(byName.body.error?.code).toBe(-32020);
      const byMethod = await modern(url, AGENT_KEYS.ops, "tools/call", destroy(), {
        headers: { "Mcp-Method": "tools/list" },
      });
      expect(byMethod.status).toBe(400);
      expect(byMethod.body.error?.code).toBe(-32020);
    }
    expect(r.fly.requests).toEqual([]);
  });

  it("tools/list says how long it may be cached, privately, and is the same list every time", async () => {
    const r = await twoReplicas();
    const first = await modern(r.a.url, AGENT_KEYS.ops, "tools/list");
    const again = await modern(r.b.url, AGENT_KEYS.ops, "tools/list");
    expect(first.body.result?.ttlMs).toBe(300_000);
    expect(first.body.result?.cacheScope).toBe("private");
    expect(again.body.result?.tools?.map((t) => t.name)).toEqual(
      first.body.result?.tools?.map((t) => t.name),
    );
  });

  it("server/discover names both eras' server and 2026-07-28", async () => {
    const r = await twoReplicas();
    const reply = await modern(r.b.url, AGENT_KEYS.ops, "server/discover");
    expect(reply.status).toBe(200);
    expect(JSON.stringify(reply.body.result)).toContain(MODERN);
  });

  it("still refuses a modern request without a valid agent key", async () => {
    const r = await twoReplicas();
    const reply = await fetch(r.a.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "MCP-Protocol-Version": MODERN,
        "Mcp-Method": "tools/list",
      },
      body: "{}",
    });
    expect(reply.status).toBe(403);
  });
});

describe("both eras against the same running server", () => {
  it("a 2025-11-25 client is asked by elicitation with sessions and refused clearly under --stateless", async () => {
    const r = await twoReplicas();
    const asked: string[] = [];
    const legacy = new LegacyClient(
      { name: "legacy", version: "1.0.0" },
      { capabilities: { elicitation: { form: {} } } },
    );
    legacy.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await legacy.connect(
      new LegacyHttpTransport(new URL(r.a.url), {
        requestInit: { headers: { Authorization: `Bearer ${AGENT_KEYS.ops}` } },
      }),
    );
    const done = await legacy.callTool({ name: "machines_delete", arguments: target });
    expect(done.isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    await legacy.close();

    const stateless = new LegacyClient(
      { name: "legacy", version: "1.0.0" },
      { capabilities: { elicitation: { form: {} } } },
    );
    await stateless.connect(
      new LegacyHttpTransport(new URL(r.b.url), {
        requestInit: { headers: { Authorization: `Bearer ${AGENT_KEYS.ops}` } },
      }),
    );
    const refusedCall = await stateless.callTool({ name: "machines_delete", arguments: target });
    expect(refusedCall.isError).toBe(true);
    expect(JSON.stringify(refusedCall.content)).toContain("without sessions (--stateless)");
    await stateless.close();

    // The same two replicas serve a 2026-07-28 client in between: one write per accepted confirmation.
    const { client } = await modernClient(r.a, AGENT_KEYS.ops, () => ({
      action: "accept",
      content: { confirm: true },
    }));
    expect((await client.callTool({ name: "machines_delete", arguments: target })).isError).toBeFalsy();
    await client.close();
    expect(r.fly.writes()).toHaveLength(2);
    const verdicts = r.audit.filter((e) => e.event === "tool_call").map((e) => e.decision);
    expect(verdicts).toEqual(["confirm-accepted-by-client", "confirm-accepted-round-trip"]);
  });

  it("refuses clearly when the shared store of spent confirmations cannot be reached", async () => {
    const shared = fleet();
    const down: KeyValueStore = {
      ...memoryStore(),
      shared: true,
      setIfAbsent: async () => {
        throw new StoreUnavailable();
      },
    };
    const key = randomBytes(32);
    const served = await h.start({
      agents: confirmingAgents(),
      serverFor: serverFactoryFor(shared, key, down),
      stateless: true,
    });
    const state = await ask(served.url);
    refused(
      await modern(
        served.url,
        AGENT_KEYS.ops,
        "tools/call",
        destroy({ inputResponses: accept, requestState: state }),
      ),
      /state store cannot be reached/,
    );
    expect(shared.fly.writes()).toEqual([]);
  });
});
