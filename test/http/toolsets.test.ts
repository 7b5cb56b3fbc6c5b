import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createAccessControl, findAgentByKey, hashKey, parsePolicy } from "../../src/policy/index.js";
import { type AuditEntry, createServer } from "../../src/server.js";
import { allTools } from "../../src/tools/index.js";
import { createAgentDirectory } from "../../src/transport/http.js";
import { USER_AGENT } from "../../src/version.js";
import { callTool, FLY_TOKEN, fakeFly, harness, textOf } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

// Made at run time: a key written out here would be public.
const KEYS = { regions: randomBytes(18).toString("base64url"), certs: randomBytes(18).toString("base64url") };

/** Every tool registered, as the CLI does: the agents' toolsets alone decide what each one sees. */
async function twoToolsetAgents() {
  const file = parsePolicy(
    `agents:
  regions:
    key_sha256: "${hashKey(KEYS.regions)}"
    toolsets: [platform]
  certs:
    key_sha256: "${hashKey(KEYS.certs)}"
    toolsets: [certificates, platform]
    tools: { deny: [certificates_check] }
`,
    "policy.yaml",
    { defaultToolsets: ["core"] },
  );
  const fly = fakeFly();
  const client = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: fly.fetch,
    userAgent: USER_AGENT,
  });
  const audit: AuditEntry[] = [];
  const served = await h.start({
    fly,
    agents: createAgentDirectory({
      size: 2,
      lookup: (key) => findAgentByKey(file, key),
      toAccess: (_name, policy) => createAccessControl({ scope: "org", policy }),
    }),
    serverFor: (access) =>
      createServer({
        tools: allTools,
        fly: client,
        access,
        audit: { record: (e) => audit.push(e) },
        logger: silentLogger(),
      }),
  });
  return { served, fly, audit };
}

const names = async (c: Awaited<ReturnType<typeof h.connect>>) =>
  (await c.client.listTools()).tools.map((t) => t.name).sort();

describe("toolsets per agent over HTTP", () => {
  it("two agents on one server list different tools, each still narrowed by the gate", async () => {
    const { served } = await twoToolsetAgents();
    expect(await names(await h.connect(served.url, KEYS.regions))).toEqual(["platform_regions_list"]);
    // Read access only (the default), and certificates_check is in the deny list.
    expect(await names(await h.connect(served.url, KEYS.certs))).toEqual([
      "certificates_get",
      "certificates_list",
      "platform_regions_list",
    ]);
  });

  it("a call outside the agent's toolsets is denied, audited, and never reaches Fly", async () => {
    const { served, fly, audit } = await twoToolsetAgents();
    const { client } = await h.connect(served.url, KEYS.regions);
    const result = await callTool(client, "certificates_list", { app_name: "my-app" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "Denied by policy: certificates_list is in toolset certificates, which agent regions does not have (its toolsets: platform).\n" +
        "To allow it: add certificates to agents.regions.toolsets in the policy file.",
    );
    expect(audit).toEqual([
      expect.objectContaining({
        agent: "regions",
        tool: "certificates_list",
        decision: "deny",
        app: "my-app",
      }),
    ]);
    expect(fly.authorizations).toEqual([]);
    // The other agent has the toolset: the same call goes through.
    const certs = await h.connect(served.url, KEYS.certs);
    expect((await callTool(certs.client, "certificates_list", { app_name: "my-app" })).isError).toBeFalsy();
    expect(fly.authorizations).toHaveLength(1);
  });
});
