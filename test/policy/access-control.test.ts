import { describe, expect, it } from "vitest";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";
import type { ToolDef } from "../../src/tools/types.js";

const tool = (name: string) => allTools.find((t) => t.name === name) as ToolDef;

describe("createAccessControl", () => {
  const access = createAccessControl({
    scope: "deploy",
    scopeApp: "web",
    policy: policyFromFlags({ access: "write" }),
  });

  it("binds scope and policy", () => {
    expect(access.agent).toBe("local");
    expect(access.isListed(tool("apps_list"))).toBe(false);
    expect(access.isListed(tool("machines_start"))).toBe(true);
    expect(access.decide(tool("machines_start"), { app_name: "web", machine_id: "m" })).toEqual({
      kind: "allow",
    });
    expect(access.decide(tool("machines_start"), { app_name: "api", machine_id: "m" }).kind).toBe("deny");
    expect(access.revealSecrets).toBe(false);
  });

  it("redacts secret values only for secrets tools when told the tool", () => {
    const data = { secrets: [{ name: "A", digest: "d", value: "v" }] };
    const hidden = { secrets: [{ name: "A", digest: "d", value: "[redacted]" }] };
    expect(access.redactSecrets(data, tool("secrets_list"))).toEqual(hidden);
    expect(access.redactSecrets(data)).toEqual(hidden);
    const dns = { config: { dns: { options: [{ name: "ndots", value: "2" }] } } };
    expect(access.redactSecrets(dns, tool("machines_get"))).toBe(dns);
  });

  it("reveal_secrets is carried over", () => {
    const open = createAccessControl({ scope: "org", policy: policyFromFlags({ revealSecrets: true }) });
    expect(open.revealSecrets).toBe(true);
  });
});
