import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { coreTools } from "../../src/tools/index.js";
import { call as sandboxCall, seeded } from "../sandbox/helpers.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";
import { APP, M, standIn, standInClient } from "./support.js";

const timedOut = () => Response.json({ error: "request timed out" }, { status: 408 });

/** An MCP client on a server whose Fly answers every request with `answer`, retries on. */
async function agentAgainst(answer: () => Response) {
  const fly = standIn(answer);
  const server = mockedServer({ fly: standInClient(fly.fetch, { rateLimits: false }) });
  return { mcp: await connect(server), sent: fly.sent };
}

describe("a 408 on a write: the outcome is unknown, so it is never repeated", () => {
  it("machines_create answered 408 is sent once and the agent is told to check, not to repeat", async () => {
    const { mcp, sent } = await agentAgainst(timedOut);
    const result = await call(mcp, "machines_create", { app_name: APP, config: { image: "nginx" } });
    expect(sent).toHaveLength(1);
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain("408");
    expect(text).toContain("Outcome unknown");
    expect(text).toContain("list the app's machines (machines_list)");
    expect(text).not.toMatch(/call again|try again/i);
  });

  it.each([
    ["machines_start", { app_name: APP, machine_id: M }, "machines_get"],
    ["machines_delete", { app_name: APP, machine_id: M }, "machines_get"],
    ["secrets_set", { app_name: APP, values: { A: "b" } }, "secrets_list"],
  ])("%s answered 408 is sent once and says how to check", async (tool, args, check) => {
    const { mcp, sent } = await agentAgainst(timedOut);
    const result = await call(mcp, tool, args);
    // A confirmation-free allow-all server: the call reaches Fly exactly once.
    expect(sent).toHaveLength(1);
    expect(textOf(result)).toContain("Outcome unknown");
    expect(textOf(result)).toContain(check);
  });

  it("exec answered 408 explains Fly's ~30 s exec limit and how to run long work", async () => {
    const { mcp, sent } = await agentAgainst(timedOut);
    const result = await call(mcp, "machines_exec", {
      app_name: APP,
      machine_id: M,
      command: ["sleep", "40"],
    });
    expect(sent).toHaveLength(1);
    const text = textOf(result);
    expect(text).toContain("Outcome unknown");
    expect(text).toContain("about 30 s");
    expect(text).toContain("background");
  });

  it("a read answered 408 is not an unknown outcome: calling again is safe", async () => {
    const { mcp, sent } = await agentAgainst(timedOut);
    const text = textOf(await call(mcp, "apps_get", { app_name: APP }));
    expect(sent).toHaveLength(1);
    expect(text).toContain("Call again");
    expect(text).not.toContain("Outcome unknown");
  });

  it("machines_exec takes at most Fly's 30 s timeout", () => {
    const exec = coreTools.find((t) => t.name === "machines_exec");
    const input = { app_name: APP, machine_id: M, command: ["ls"] };
    expect(exec?.input.safeParse({ ...input, timeout: 30 }).success).toBe(true);
    expect(exec?.input.safeParse({ ...input, timeout: 31 }).success).toBe(false);
  });
});

describe("the sandbox answers 408 as Fly does", () => {
  it("for exec commands that run longer than about 30 s, whatever the timeout", async () => {
    const sb = createSandbox({ transitionMs: 0, rateLimits: false });
    const id = seeded(sb, "demo-web");
    const long = await sandboxCall(sb, "POST", `/apps/demo-app/machines/${id}/exec`, {
      body: { command: ["sleep", "45"] },
    });
    expect(long.status).toBe(408);
    const short = await sandboxCall(sb, "POST", `/apps/demo-app/machines/${id}/exec`, {
      body: { command: ["sleep", "20"] },
    });
    expect(short.status).toBe(200);
  });

  it("on demand for writes, after the write took effect; the client sends it once", async () => {
    const sb = createSandbox({ transitionMs: 0, rateLimits: false, faults: { share: 1, kinds: ["408"] } });
    const fly = createFlyClient({
      baseUrl: "http://sandbox",
      token: "sandbox",
      fetch: sb.fetch,
      userAgent: "t",
    });
    const before = sb.store.app("demo-app")?.machines.size ?? 0;
    const err = await fly
      .request({
        method: "POST",
        path: "/apps/demo-app/machines",
        action: "machines_create",
        app: "demo-app",
        body: { name: "made-once", config: { image: "nginx" } },
      })
      .catch((e: unknown) => e as { status: number; details: { outcomeUnknown?: boolean } });
    expect(err).toMatchObject({ status: 408, details: { outcomeUnknown: true } });
    // The machine exists, once: the 408 hid a create that happened.
    const machines = [...(sb.store.app("demo-app")?.machines.values() ?? [])];
    expect(machines.length).toBe(before + 1);
    expect(machines.filter((m) => m.name === "made-once")).toHaveLength(1);
    // Reads answer normally under the same switch.
    const list = await fly.request({
      method: "GET",
      path: "/apps/demo-app/machines",
      action: "machines_list",
    });
    expect(list.status).toBe(200);
  });
});
