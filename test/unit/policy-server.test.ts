import { PassThrough } from "node:stream";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import type { AgentPolicy } from "../../src/policy/index.js";
import { createAccessControl, createAuditLog, policyFromFlags } from "../../src/policy/index.js";
import type { TokenScope } from "../../src/policy/scopes.js";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

const fly = useFlyMock();

const APP = "demo-app";
const M = "3d8d413b29d089";

function auditSink() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  stream.on("data", (chunk: Buffer) => {
    raw += chunk.toString();
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { audit: createAuditLog({ destination: stream, secrets: [fly.token] }), lines, raw: () => raw };
}

function serverWith(
  policy: AgentPolicy,
  scope: TokenScope = "org",
  scopeApp?: string,
  audit = auditSink().audit,
) {
  return mockedServer({ access: createAccessControl({ scope, scopeApp, policy }), audit });
}

describe("tools/list shows only what the agent may use", () => {
  it("a read-only agent sees no write, exec or destructive tools", async () => {
    const client = await connect(serverWith(policyFromFlags({ access: "read" })));
    const { tools } = await client.listTools();
    expect(tools.length).toBe(12);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it("an all-access agent with destructive deny loses the always-destructive tools only", async () => {
    const client = await connect(serverWith(policyFromFlags({ access: "all", destructive: "deny" })));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain("machines_delete");
    expect(names).not.toContain("apps_delete");
    expect(names).toContain("machines_stop"); // destructive only with SIGKILL
    expect(names).toContain("machines_exec");
  });

  it("a readonly token caps even an all-access agent", async () => {
    const client = await connect(serverWith(policyFromFlags({ access: "all" }), "readonly"));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain("machines_start");
    expect(names).toContain("machines_list");
  });
});

describe("denied calls", () => {
  it("a write by a read-only agent is denied with the flag that would allow it, and nothing reaches Fly", async () => {
    const { audit, lines } = auditSink();
    const client = await connect(serverWith(policyFromFlags({ access: "read" }), "org", undefined, audit));
    const result = await call(client, "machines_start", { app_name: APP, machine_id: M });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Denied by policy: .*\nTo allow it: .*--access write/s);
    expect(fly.requests).toHaveLength(0);
    await audit.close();
    expect(lines.at(-1)).toMatchObject({
      tool: "machines_start",
      decision: "deny",
      app: APP,
      resource: `machine ${M}`,
    });
  });

  it("an agent pinned to one app cannot touch another", async () => {
    const policy: AgentPolicy = { ...policyFromFlags({ access: "all" }), apps: [APP] };
    const client = await connect(serverWith(policy));
    const result = await call(client, "machines_list", { app_name: "other-app" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("other-app");
    expect(fly.requests).toHaveLength(0);
  });

  it("show_secrets is refused unless the policy reveals secrets", async () => {
    const client = await connect(serverWith(policyFromFlags({ access: "all" })));
    const result = await call(client, "secrets_list", { app_name: APP, show_secrets: true });
    expect(result.isError).toBe(true);
    expect(fly.requests).toHaveLength(0);
  });

  it("secret values in results are hidden unless revealed", async () => {
    fly.reply("GET", `/v1/apps/${APP}/secrets`, () =>
      json({ secrets: [{ name: "DB", digest: "d", value: "hunter2-secret" }] }),
    );
    const client = await connect(serverWith(policyFromFlags({ access: "read" })));
    const text = textOf(await call(client, "secrets_list", { app_name: APP }));
    expect(text).toContain('"name":"DB"');
    expect(text).not.toContain("hunter2-secret");
  });
});

describe("destructive actions ask the human", () => {
  async function elicitingClient(answer: "accept" | "decline" | "cancel", messages: string[]) {
    const client = await connect(serverWith(policyFromFlags({ access: "all", destructive: "confirm" })), {
      elicitation: {},
    });
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      messages.push(req.params.message);
      return answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: answer };
    });
    return client;
  }

  it("accept runs it, after a message naming what will be destroyed", async () => {
    fly.reply("DELETE", `/v1/apps/${APP}/machines/${M}`, () => json({ ok: true }));
    const messages: string[] = [];
    const client = await elicitingClient("accept", messages);
    const result = await call(client, "machines_delete", { app_name: APP, machine_id: M, force: true });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(messages[0]).toContain(M);
    expect(messages[0]).toContain(APP);
    expect(fly.requests.map((r) => r.method)).toEqual(["DELETE"]);
  });

  it.each(["decline", "cancel"] as const)("%s denies it and sends nothing", async (answer) => {
    const client = await elicitingClient(answer, []);
    const result = await call(client, "volumes_delete", { app_name: APP, volume_id: "vol_abc123" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("Not done");
    expect(fly.requests).toHaveLength(0);
  });

  it("a client without elicitation gets a denial explaining how to allow it", async () => {
    const client = await connect(serverWith(policyFromFlags({ access: "all", destructive: "confirm" })));
    const result = await call(client, "apps_delete", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/destructive/);
    expect(fly.requests).toHaveLength(0);
  });

  it("a SIGKILL stop asks, a SIGTERM stop of a machine without auto_destroy does not", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () => json({ id: M, config: { auto_destroy: false } }));
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}/stop`, () => json({ ok: true }));
    const messages: string[] = [];
    const client = await elicitingClient("decline", messages);
    await call(client, "machines_stop", { app_name: APP, machine_id: M, signal: "SIGTERM" });
    expect(messages).toHaveLength(0);
    expect(fly.requests.map((r) => r.method)).toEqual(["GET", "POST"]);
    await call(client, "machines_stop", { app_name: APP, machine_id: M, signal: "SIGKILL" });
    expect(messages).toHaveLength(1);
    expect(fly.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("a stop of an auto_destroy machine asks, naming the machine as lost", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () => json({ id: M, config: { auto_destroy: true } }));
    const messages: string[] = [];
    const client = await elicitingClient("decline", messages);
    const result = await call(client, "machines_stop", { app_name: APP, machine_id: M });
    expect(result.isError).toBe(true);
    expect(messages[0]).toContain(`machine ${M} itself (its config has auto_destroy`);
    expect(fly.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("over stdio an accepted confirmation is audited as the user's", async () => {
    fly.reply("DELETE", `/v1/apps/${APP}/machines/${M}`, () => json({ ok: true }));
    const { audit, lines } = auditSink();
    const client = await connect(
      serverWith(policyFromFlags({ access: "all", destructive: "confirm" }), "org", undefined, audit),
      { elicitation: {} },
    );
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: { confirm: true },
    }));
    await call(client, "machines_delete", { app_name: APP, machine_id: M });
    await audit.close();
    expect(lines.at(-1)).toMatchObject({ tool: "machines_delete", decision: "confirm-accepted" });
  });
});

describe("the audit log", () => {
  it("records allowed, denied and failed calls, without the token or any secret value", async () => {
    fly.reply("POST", `/v1/apps/${APP}/secrets`, () =>
      json({ secrets: [{ name: "API_KEY", digest: "d" }], version: 2 }),
    );
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () => json({ error: "machine not found" }, 404));
    const { audit, lines, raw } = auditSink();
    const client = await connect(serverWith(policyFromFlags({ access: "write" }), "org", undefined, audit));
    await call(client, "secrets_set", { app_name: APP, values: { API_KEY: "very-secret-value-123" } });
    await call(client, "machines_get", { app_name: APP, machine_id: M });
    await call(client, "machines_exec", { app_name: APP, machine_id: M, command: ["id"] });
    await audit.close();
    // An allowed call has two lines: before the request, and its outcome under the same call id.
    // secrets_set first reads which secrets it would overwrite: that read is announced before it leaves.
    expect(lines.map((l) => [l.event, l.tool, l.decision, l.status])).toEqual([
      ["state_read", "secrets_set", "read-state", undefined],
      ["tool_call", "secrets_set", "allow", undefined],
      ["tool_result", "secrets_set", "allow", 200],
      ["tool_call", "machines_get", "allow", undefined],
      ["tool_result", "machines_get", "allow", 404],
      ["tool_call", "machines_exec", "deny", undefined],
    ]);
    expect(lines[1]!.callId).toBe(lines[0]!.callId);
    expect(lines[2]!.callId).toBe(lines[0]!.callId);
    expect(lines[3]!.callId).not.toBe(lines[0]!.callId);
    expect(lines[0]).toMatchObject({ agent: "local", app: APP });
    expect(typeof lines[2]!.durationMs).toBe("number");
    expect(raw()).not.toContain("very-secret-value-123");
    expect(raw()).not.toContain(fly.token);
    expect(raw()).toContain("API_KEY");
  });
});
