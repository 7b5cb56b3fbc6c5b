import { afterEach, describe, expect, it } from "vitest";
import { callTool, harness, KEYS, MCP_HEADERS, opsAccess, raw, rpc, textOf } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("per-agent servers over HTTP", () => {
  it("shows each agent the tools its access lists", async () => {
    const served = await h.start();
    const reader = await h.connect(served.url, KEYS.reader);
    const ops = await h.connect(served.url, KEYS.ops);

    const readerTools = (await reader.client.listTools()).tools.map((t) => t.name);
    const opsTools = (await ops.client.listTools()).tools.map((t) => t.name);

    expect(readerTools).toContain("machines_list");
    expect(readerTools).not.toContain("machines_delete");
    expect(opsTools).toContain("machines_delete");
    expect(opsTools.length).toBeGreaterThan(readerTools.length);
  });

  it("applies each agent's decisions to the same call", async () => {
    const served = await h.start();
    const reader = await h.connect(served.url, KEYS.reader);
    const ops = await h.connect(served.url, KEYS.ops);
    const args = { app_name: "my-app", machine_id: "148ed193b95089" };

    const denied = await callTool(reader.client, "machines_delete", args);
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toContain("Denied by policy");

    const done = await callTool(ops.client, "machines_delete", args);
    expect(done.isError).toBeFalsy();

    const listed = await callTool(reader.client, "machines_list", { app_name: "my-app" });
    expect(textOf(listed)).toContain("148ed193b95089");
  });

  it("keeps a session to the agent that opened it", async () => {
    const served = await h.start();
    const reader = await h.connect(served.url, KEYS.reader);
    const sessionId = reader.transport.sessionId!;
    expect(sessionId).toBeTruthy();

    const stolen = await raw(served.url, {
      headers: {
        ...MCP_HEADERS,
        Authorization: `Bearer ${KEYS.ops}`,
        "Mcp-Session-Id": sessionId,
        "Mcp-Protocol-Version": "2025-06-18",
      },
      body: rpc("tools/list"),
    });
    expect(stolen.status).toBe(404);
    expect(stolen.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001 }, id: null });

    // The owner is unaffected.
    expect((await reader.client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("ends a session on DELETE", async () => {
    const served = await h.start();
    const reader = await h.connect(served.url, KEYS.reader);
    const sessionId = reader.transport.sessionId!;
    await reader.transport.terminateSession();

    const after = await raw(served.url, {
      headers: { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.reader}`, "Mcp-Session-Id": sessionId },
      body: rpc("tools/list"),
    });
    expect(after.status).toBe(404);
  });

  it("serves the anonymous access on loopback when no agent has a key", async () => {
    const served = await h.start({
      agents: { size: 0, authenticate: () => undefined },
      anonymous: { ...opsAccess, agent: "local" },
    });
    const local = await h.connect(served.url);
    expect((await local.client.listTools()).tools.map((t) => t.name)).toContain("machines_delete");
  });
});
