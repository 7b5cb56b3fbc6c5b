import type { ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createAccessControl, type ElicitingServer, policyFromFlags } from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";

const tool = (name: string) => allTools.find((t) => t.name === name)!;

describe("an agent's access control is bound to its token scope and policy", () => {
  it("lists and decides with the scope's app: a deploy token for web reaches web only", () => {
    const access = createAccessControl({
      scope: "deploy",
      scopeApp: "web",
      policy: policyFromFlags({ access: "write" }),
    });
    expect(access.isListed(tool("machines_list"))).toBe(true);
    expect(access.isListed(tool("apps_list"))).toBe(false);
    expect(access.decide(tool("machines_list"), { app_name: "web" })).toEqual({ kind: "allow" });
    expect(access.decide(tool("machines_list"), { app_name: "api" }).kind).toBe("deny");
  });

  it("a read-only policy lists no write tools under any scope", () => {
    const access = createAccessControl({ scope: "org", policy: policyFromFlags({ access: "read" }) });
    expect(access.isListed(tool("machines_list"))).toBe(true);
    expect(access.isListed(tool("machines_start"))).toBe(false);
    expect(access.decide(tool("machines_start"), { app_name: "web", machine_id: "148e" }).kind).toBe("deny");
  });

  it("confirm asks the human through the given server", async () => {
    const asked: unknown[] = [];
    const server = {
      getClientCapabilities: () => ({ elicitation: { form: {} } }),
      elicitInput: async (params: unknown): Promise<ElicitResult> => {
        asked.push(params);
        return { action: "accept", content: { confirm: true } };
      },
    } as unknown as ElicitingServer;
    const access = createAccessControl({ scope: "org", policy: policyFromFlags({}) });
    expect(await access.confirm(server, "Delete machine 148e?")).toEqual({
      confirmed: true,
      reason: "confirmed by the user",
      answered: true,
    });
    expect(asked).toMatchObject([{ message: "Delete machine 148e?" }]);
  });
});
