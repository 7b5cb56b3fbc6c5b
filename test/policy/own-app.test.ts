import { describe, expect, it } from "vitest";
import { createAccessControl } from "../../src/policy/access-control.js";
import type { AgentPolicy } from "../../src/policy/agent-policy.js";
import { allTools } from "../../src/tools/index.js";

const tool = (name: string) => allTools.find((t) => t.name === name)!;
const OWN = "mcp-server-app";
const everything: AgentPolicy = {
  name: "ops",
  access: ["read", "write", "exec"],
  apps: "*",
  destructive: "allow",
  source: "file",
};

describe("the app the server runs in", () => {
  const gate = (policy: AgentPolicy) => createAccessControl({ scope: "org", policy, ownApp: OWN });

  it.each(["machines_list", "machines_exec", "secrets_list", "apps_delete"])(
    "%s on it is refused for an agent with every app",
    (name) => {
      const decision = gate(everything).decide(tool(name), {
        app_name: OWN,
        machine_id: "148e1234abcd",
        command: ["env"],
      });
      expect(decision.kind).toBe("deny");
      if (decision.kind === "deny") {
        expect(decision.reason).toContain(`${OWN} is the app this server runs in`);
        expect(decision.fix).toContain(`list "${OWN}" in agents.ops.apps`);
      }
    },
  );

  it("is allowed when the policy names it explicitly", () => {
    const named = gate({ ...everything, apps: [OWN, "other"] });
    expect(named.decide(tool("machines_list"), { app_name: OWN }).kind).toBe("allow");
  });

  it("other apps are unaffected, and nothing is refused when the server is not on Fly", () => {
    expect(gate(everything).decide(tool("machines_list"), { app_name: "other" }).kind).toBe("allow");
    const offFly = createAccessControl({ scope: "org", policy: everything });
    expect(offFly.decide(tool("machines_list"), { app_name: OWN }).kind).toBe("allow");
  });

  it.each(["tokens_request_oidc", "tokens_request_kms"])(
    "%s, a token for the calling machine (the server's own), is refused on Fly whatever the policy says",
    (name) => {
      const admin: AgentPolicy = { ...everything, access: ["read", "write", "exec", "admin"] };
      for (const apps of ["*", [OWN]] as const) {
        const refused = gate({ ...admin, apps: apps as AgentPolicy["apps"] }).decide(tool(name), {
          aud: "sts",
        });
        expect(refused.kind).toBe("deny");
        if (refused.kind === "deny")
          expect(refused.reason).toContain(`the machine this server runs in (app ${OWN})`);
      }
      const offFly = createAccessControl({ scope: "org", policy: admin });
      expect(offFly.decide(tool(name), { aud: "sts" }).kind).toBe("allow");
    },
  );
});
