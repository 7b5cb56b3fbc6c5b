import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFlyMock } from "../support/fly-mock.js";
import { connect, mockedServer, textOf } from "../support/harness.js";
import { APP, client, failThen, json, M } from "./support.js";

const fly = createFlyMock();
beforeAll(() => fly.start());
afterEach(() => fly.reset());
afterAll(() => fly.stop());

async function callWithProgress(mcp: Client, name: string, args: Record<string, unknown>) {
  const progress: Progress[] = [];
  const result = (await mcp.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => progress.push(p),
  })) as CallToolResult;
  return { result, progress };
}

describe("progress notifications reach an MCP client that asked for them", () => {
  it("machines_wait says it is waiting before the long request", async () => {
    const mcp = await connect(mockedServer({ fly: client() }));
    const { result, progress } = await callWithProgress(mcp, "machines_wait", {
      app_name: APP,
      machine_id: M,
      state: "started",
      timeout: 30,
    });
    expect(result.isError).toBeFalsy();
    expect(progress).toEqual([
      { progress: 1, message: "machines_wait: waiting up to 35 s for Fly to answer" },
    ]);
  });

  it("retries of a read are reported with increasing progress", async () => {
    fly.reply(
      "GET",
      `/v1/apps/${APP}`,
      failThen([() => json({}, 503), () => json({}, 502)], () => json({ name: APP })),
    );
    const mcp = await connect(mockedServer({ fly: client() }));
    const { result, progress } = await callWithProgress(mcp, "apps_get", { app_name: APP });
    expect(result.isError).toBeFalsy();
    expect(progress.map((p) => p.progress)).toEqual([1, 2]);
    expect(progress[0]!.message).toContain("apps_get: Fly answered 503; trying again");
    expect(progress[1]!.message).toContain("attempt 3 of 3");
  });

  it("calls queued by the rate limit are reported", async () => {
    const fly1 = client({ rateLimits: { default: { perSecond: 10, burst: 2 } } });
    const mcp = await connect(mockedServer({ fly: fly1 }));
    const args = { app_name: APP, machine_id: M };
    const calls = await Promise.all([1, 2, 3, 4].map(() => callWithProgress(mcp, "machines_start", args)));
    expect(calls.every((c) => !c.result.isError)).toBe(true);
    const messages = calls.flatMap((c) => c.progress.map((p) => p.message));
    expect(messages.filter((m) => m?.includes("queued by the rate limit"))).toHaveLength(2);
  });

  it("a client without a progress token gets none and the call still works", async () => {
    fly.reply(
      "GET",
      `/v1/apps/${APP}`,
      failThen([() => json({}, 503)], () => json({ name: APP })),
    );
    const mcp = await connect(mockedServer({ fly: client() }));
    const notifications: unknown[] = [];
    mcp.fallbackNotificationHandler = async (n) => {
      notifications.push(n);
    };
    const result = (await mcp.callTool({ name: "apps_get", arguments: { app_name: APP } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(notifications).toEqual([]);
  });

  it("a write whose outcome is unknown tells the agent how to check", async () => {
    fly.reply("POST", `/v1/apps/${APP}/machines`, () => json({ error: "upstream" }, 502));
    const mcp = await connect(mockedServer({ fly: client() }));
    const { result } = await callWithProgress(mcp, "machines_create", {
      app_name: APP,
      config: { image: "nginx" },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("may or may not have taken effect");
    expect(textOf(result)).toContain("machines_list");
    expect(fly.requests).toHaveLength(1);
  });
});
