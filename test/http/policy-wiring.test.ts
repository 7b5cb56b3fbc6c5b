import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAccessControl, findAgentByKey, hashKey, loadPolicyFile } from "../../src/policy/index.js";
import { createAgentDirectory } from "../../src/transport/http.js";
import { harness } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

// The shipped example policy, filled in the way its comments say: one fresh key per agent.
async function exampleDirectory() {
  const keys = new Map<string, string>();
  const text = readFileSync("deploy/policy.example.yaml", "utf8").replace(
    /^( {2})([\w-]+):\n(\s+)key_sha256: .*$/gm,
    (_all, indent: string, agent: string, inner: string) => {
      const key = randomBytes(24).toString("base64url");
      keys.set(agent, key);
      return `${indent}${agent}:\n${inner}key_sha256: "${hashKey(key)}"`;
    },
  );
  const path = join(mkdtempSync(join(tmpdir(), "policy-")), "policy.yaml");
  writeFileSync(path, text);
  const file = await loadPolicyFile(path);
  const directory = createAgentDirectory({
    size: Object.values(file.agents).filter((a) => a.key_sha256).length,
    lookup: (key) => findAgentByKey(file, key),
    toAccess: (_name, policy) => createAccessControl({ scope: "org", policy }),
  });
  return { directory, keys };
}

describe("the policy module behind the HTTP server", () => {
  it("authenticates the example agents by key and applies their policies", async () => {
    const { directory: agents, keys } = await exampleDirectory();
    expect(agents.size).toBe(3);
    expect(agents.authenticate("not-a-key")).toBeUndefined();

    const served = await h.start({ agents });
    const dashboard = await h.connect(served.url, keys.get("dashboard")!);
    const tools = (await dashboard.client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual(["apps_list", "machines_get", "machines_list", "volumes_list"]);

    const ci = await h.connect(served.url, keys.get("ci-deployer")!);
    const ciTools = (await ci.client.listTools()).tools.map((t) => t.name);
    expect(ciTools).toContain("machines_create");
    expect(ciTools).not.toContain("machines_delete");
  });
});
