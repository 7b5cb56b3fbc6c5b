import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { clientConfirmationNotice } from "../../src/policy/confirm.js";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { type AuditEntry, createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { callTool, FLY_TOKEN, fakeDirectory, fakeFly, harness } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("confirmation over HTTP is the client's answer, not a person's", () => {
  async function serveConfirming(entries: AuditEntry[]) {
    const fly = fakeFly();
    const client = createFlyClient({
      baseUrl: "https://api.machines.test",
      token: FLY_TOKEN,
      fetch: fly.fetch,
      userAgent: USER_AGENT,
    });
    const access = createAccessControl({
      scope: "org",
      policy: policyFromFlags({ access: "all", destructive: "confirm" }),
    });
    const key = "confirm-key-3c9d0e71aa";
    return h
      .start({
        fly,
        agents: fakeDirectory({ [key]: { agent: "local", access } }),
        serverFor: (a) =>
          createServer({
            tools: coreTools,
            fly: client,
            access: a,
            logger: silentLogger(),
            audit: { record: (e) => entries.push(e) },
          }),
      })
      .then((handle) => ({ handle, key }));
  }

  it.each([
    ["accept", "confirm-accepted-by-client"],
    ["decline", "confirm-declined-by-client"],
  ] as const)("a remote client that answers %s is audited %s", async (answer, decision) => {
    const entries: AuditEntry[] = [];
    const { handle, key } = await serveConfirming(entries);
    const client = new Client(
      { name: "remote-agent", version: "1.0.0" },
      { capabilities: { elicitation: {} } },
    );
    client.setRequestHandler(ElicitRequestSchema, async () =>
      answer === "accept" ? { action: "accept", content: { confirm: true } } : { action: "decline" },
    );
    const transport = new StreamableHTTPClientTransport(new URL(handle.url), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    });
    await client.connect(transport);
    await callTool(client, "machines_delete", { app_name: "demo-app", machine_id: "148ed193b95089" });
    await client.close();
    expect(entries.at(-1)).toMatchObject({ tool: "machines_delete", decision });
  });

  it("start-up says so once when an agent confirms, and not otherwise", () => {
    expect(clientConfirmationNotice(["deny", "confirm", "confirm"])).toMatch(
      /^fly-machines-mcp: .*confirm-accepted-by-client.*\n$/,
    );
    expect(clientConfirmationNotice(["deny", "allow"])).toBeUndefined();
  });
});
