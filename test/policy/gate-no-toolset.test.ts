import { describe, expect, it } from "vitest";
import type { AgentPolicy } from "../../src/policy/agent-policy.js";
import { decide } from "../../src/policy/gate.js";
import type { PolicyTool } from "../../src/policy/scopes.js";

const policy = (over: Partial<AgentPolicy>): AgentPolicy => ({
  name: "bot",
  access: ["read", "write", "exec", "admin"],
  apps: "*",
  destructive: "allow",
  toolsets: ["core", "certificates"],
  ...over,
});
// A tool registered without a toolset.
const stray = {
  name: "fly_whoami",
  title: "Who am I",
  access: "read",
  reach: "org",
  destructive: false,
  path: "/whoami",
  input: { shape: {} },
} as unknown as PolicyTool;

const call = (p: AgentPolicy) => decide({ scope: "org", policy: p, tool: stray, args: {} });

describe("a tool in no toolset is refused to an agent with chosen toolsets", () => {
  it("the reason lists the agent's toolsets and the fix is the --toolsets all flag", () => {
    expect(call(policy({ source: "flags" }))).toEqual({
      kind: "deny",
      reason: "fly_whoami belongs to no toolset and agent bot has only core, certificates",
      fix: "start the server with --toolsets all",
    });
  });

  it("from a policy file the fix is the agent's toolsets setting", () => {
    expect(call(policy({ source: "file" }))).toEqual({
      kind: "deny",
      reason: "fly_whoami belongs to no toolset and agent bot has only core, certificates",
      fix: "set agents.bot.toolsets to all in the policy file",
    });
  });
});
