import { afterEach, describe, expect, it } from "vitest";
import { createAccessControl, findAgentByKey, loadPolicyFile } from "../../src/policy/index.js";
import { createAgentDirectory } from "../../src/transport/http.js";
import { harness } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

// The wiring the CLI uses, against the shipped example policy.
async function exampleDirectory() {
  const file = await loadPolicyFile("deploy/policy.example.yaml");
  return createAgentDirectory({
    size: Object.values(file.agents).filter((a) => a.key_sha256).length,
    lookup: (key) => findAgentByKey(file, key),
    toAccess: (_name, policy) => createAccessControl({ scope: "org", policy }),
  });
}

describe("the policy module behind the HTTP server", () => {
  it("authenticates the example agents by key and applies their policies", async () => {
    const agents = await exampleDirectory();
    expect(agents.size).toBe(3);
    expect(agents.authenticate("not-a-key")).toBeUndefined();

    const served = await h.start({ agents });
    const dashboard = await h.connect(served.url, "CHANGE-ME-dashboard-key");
    const tools = (await dashboard.client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(["apps_list", "machines_get", "machines_list", "volumes_list"]);

    const ci = await h.connect(served.url, "CHANGE-ME-ci-deployer-key");
    const ciTools = (await ci.client.listTools()).tools.map((t) => t.name);
    expect(ciTools).toContain("machines_create");
    expect(ciTools).not.toContain("machines_delete");
  });
});
