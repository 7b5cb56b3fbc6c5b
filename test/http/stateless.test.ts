import { afterEach, describe, expect, it } from "vitest";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { callTool, fakeDirectory, fakeFly, harness, KEYS, MCP_HEADERS, raw, rpc, textOf } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("stateless mode", () => {
  it("serves the SDK client without a session id", async () => {
    const served = await h.start({ stateless: true });
    const { client, transport } = await h.connect(served.url, KEYS.ops);
    expect(transport.sessionId).toBeUndefined();

    const result = await callTool(client, "machines_list", { app_name: "my-app" });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain("148ed193b95089");
  });

  it("answers a bare call with no initialize and no session", async () => {
    const served = await h.start({ stateless: true });
    const res = await raw(served.url, {
      headers: { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.reader}` },
      body: rpc("tools/list"),
    });
    expect(res.status).toBe(200);
    expect(res.headers["mcp-session-id"]).toBeUndefined();
    // Stateless answers are plain JSON: no later request could answer a server question anyway.
    expect(res.headers["content-type"]).toContain("application/json");
    const { tools } = (JSON.parse(res.text) as { result: { tools: { name: string }[] } }).result;
    expect(tools.map((t) => t.name)).toContain("machines_list");
    expect(tools.map((t) => t.name)).not.toContain("machines_delete");
  });

  it("authenticates every request and keeps agents apart", async () => {
    const served = await h.start({ stateless: true });
    const reader = await h.connect(served.url, KEYS.reader);
    const ops = await h.connect(served.url, KEYS.ops);
    const args = { app_name: "my-app", machine_id: "148ed193b95089" };
    expect((await callTool(reader.client, "machines_delete", args)).isError).toBe(true);
    expect((await callTool(ops.client, "machines_delete", args)).isError).toBeFalsy();

    const anonymous = await raw(served.url, { headers: MCP_HEADERS, body: rpc("tools/list") });
    expect(anonymous.status).toBe(403);
  });

  it("cannot ask a human, so a destroy that needs confirmation is denied and says why", async () => {
    const fly = fakeFly();
    const access = createAccessControl({
      scope: "org",
      policy: policyFromFlags({ access: "all", destructive: "confirm" }),
    });
    const served = await h.start({
      stateless: true,
      fly,
      agents: fakeDirectory({ [KEYS.ops]: { agent: "ops", access } }),
    });
    const { client } = await h.connect(served.url, KEYS.ops);
    const result = await callTool(client, "machines_delete", {
      app_name: "my-app",
      machine_id: "148ed193b95089",
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(
      "runs without sessions (--stateless), so nobody can be asked to confirm",
    );
    expect(fly.authorizations).toHaveLength(0);
  });

  it("streams the answer when the call asks for progress, so the notifications arrive", async () => {
    const served = await h.start({ stateless: true });
    const { client } = await h.connect(served.url, KEYS.ops);
    const progress: string[] = [];
    const result = await client.callTool(
      { name: "machines_wait", arguments: { app_name: "my-app", machine_id: "148ed193b95089", timeout: 5 } },
      undefined,
      { onprogress: (p) => progress.push(p.message ?? "") },
    );
    expect(result.isError).toBeFalsy();
    expect(progress.some((m) => m.includes("waiting up to"))).toBe(true);

    const streamed = await raw(served.url, {
      headers: { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.ops}` },
      body: rpc("tools/list", { _meta: { progressToken: "p1" } }),
    });
    expect(streamed.headers["content-type"]).toContain("text/event-stream");
  });

  it("has no GET stream and no session to delete", async () => {
    const served = await h.start({ stateless: true });
    for (const method of ["GET", "DELETE"]) {
      const res = await raw(served.url, {
        method,
        headers: { Accept: "text/event-stream", Authorization: `Bearer ${KEYS.ops}` },
      });
      expect(res.status).toBe(405);
    }
  });
});
