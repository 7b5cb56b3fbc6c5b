import { describe, expect, it } from "vitest";
import type { AgentPolicy } from "../../src/policy/agent-policy.js";
import { decide, type GateInput, isListed, resourceOf } from "../../src/policy/gate.js";
import { type PolicyTool, scopeCapDenial, type TokenScope } from "../../src/policy/scopes.js";

const HINT =
  "restart the server with a Fly token that allows it: an org token (`fly tokens create org`) " +
  "or a deploy token for the app (`fly tokens create deploy -a <app>`)";

const policy = (over: Partial<AgentPolicy> = {}): AgentPolicy => ({
  name: "bot",
  access: ["read", "write", "exec", "admin"],
  apps: "*",
  destructive: "allow",
  ...over,
});
const tool = (over: Partial<PolicyTool> = {}): PolicyTool =>
  ({
    name: "machines_stop",
    title: "Stop machine",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    path: "/apps/{app_name}/machines/{machine_id}/stop",
    input: { shape: { app_name: {}, machine_id: {} } },
    ...over,
  }) as PolicyTool;
const run = (over: Partial<GateInput>) =>
  decide({
    scope: "org",
    policy: policy(),
    tool: tool(),
    args: { app_name: "web", machine_id: "m1" },
    ...over,
  });

describe("toolsets in the gate", () => {
  it("a tool outside two chosen toolsets names both and the flag that adds its own", () => {
    const narrowed = policy({ toolsets: ["core", "platform"], source: "flags" });
    expect(
      run({ policy: narrowed, tool: tool({ name: "certificates_list", toolset: "certificates" }) }),
    ).toEqual({
      kind: "deny",
      reason:
        "certificates_list is in toolset certificates, which agent bot does not have (its toolsets: core, platform)",
      fix: "start the server with --toolsets core,platform,certificates",
    });
    expect(run({ policy: narrowed })).toEqual({ kind: "allow" });
  });

  it("a tool that belongs to no toolset is outside every chosen list", () => {
    const narrowed = policy({ toolsets: ["core"], source: "file" });
    expect(run({ policy: narrowed, tool: tool({ toolset: undefined }) })).toEqual({
      kind: "deny",
      reason: "machines_stop belongs to no toolset and agent bot has only core",
      fix: "set agents.bot.toolsets to all in the policy file",
    });
    expect(run({ policy: policy({ toolsets: "all" }), tool: tool({ toolset: undefined }) })).toEqual({
      kind: "allow",
    });
  });
});

describe("app pinning for tools that name no app", () => {
  const orgList = tool({
    name: "org_machines_list",
    reach: "org",
    path: "/orgs/{org_slug}/machines",
    input: { shape: { org_slug: {} } } as never,
  });

  it("a file policy is told to widen apps to every app", () => {
    expect(run({ policy: policy({ apps: ["web"], source: "file" }), tool: orgList, args: {} })).toEqual({
      kind: "deny",
      reason: "org_machines_list does not target a single app and agent bot is limited to web",
      fix: 'set agents.bot.apps to "*" in the policy file',
    });
  });

  it("is hidden from the list, as is every app tool when the token is for an app the agent is not pinned to", () => {
    const pinned = policy({ apps: ["web"] });
    expect(isListed({ scope: "org", policy: pinned, tool: orgList })).toBe(false);
    expect(isListed({ scope: "deploy", scopeApp: "api", policy: pinned, tool: tool() })).toBe(false);
    expect(isListed({ scope: "deploy", scopeApp: "web", policy: pinned, tool: tool() })).toBe(true);
    // An org token reaches every app, so the pin alone decides.
    expect(isListed({ scope: "org", scopeApp: "api", policy: pinned, tool: tool() })).toBe(true);
  });
});

describe("the server's own app", () => {
  it('"*" does not include it; the fix for a flags policy names the flag', () => {
    expect(run({ ownApp: "mcp", policy: policy({ source: "flags" }), args: { app_name: "mcp" } })).toEqual({
      kind: "deny",
      reason:
        "mcp is the app this server runs in (its secrets hold the Fly token); it is out of reach unless named explicitly",
      fix: "start the server with --apps mcp",
    });
  });

  it("a pin list that names other apps does not include it either", () => {
    expect(
      run({ ownApp: "mcp", policy: policy({ apps: ["web"], source: "flags" }), args: { app_name: "mcp" } }),
    ).toMatchObject({ kind: "deny", fix: "start the server with --apps mcp" });
  });
});

describe("destructive: approve asks the same question as confirm", () => {
  it("a destructive call becomes a confirmation naming what goes", () => {
    expect(run({ policy: policy({ destructive: "approve" }), tool: tool({ destructive: true }) })).toEqual({
      kind: "confirm",
      message:
        "Allow machines_stop (Stop machine) on machine m1 in app web? This is destructive and cannot be undone.",
    });
  });
});

describe("resource labels", () => {
  it("only a trailing _id or _name is dropped from a path parameter's label", () => {
    const odd = { path: "/apps/{app_name}/x/{name_identity}/{snapshot_id}", appArg: undefined };
    expect(resourceOf(odd, { app_name: "web", name_identity: "n1", snapshot_id: "s1" })).toBe(
      "name identity n1 / snapshot s1",
    );
  });
});

describe("token scopes fail closed", () => {
  it("a scope the server does not know can run nothing, not even reads", () => {
    const read = { name: "machines_list", access: "read", reach: "app" } as const;
    expect(scopeCapDenial("root" as TokenScope, undefined, read)).toEqual({
      reason: "the Fly token's scope (root) is not one this server knows",
      fix: HINT,
    });
  });
});
