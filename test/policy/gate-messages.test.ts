import { describe, expect, it } from "vitest";
import type { AgentPolicy } from "../../src/policy/agent-policy.js";
import {
  decide,
  describeDestruction,
  type GateInput,
  isDestructive,
  resourceOf,
} from "../../src/policy/gate.js";
import type { PolicyTool } from "../../src/policy/scopes.js";

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

describe("the gate's denials name the setting to change, for each kind of policy", () => {
  it("access: a flag for flags policies, the file setting for files, both when unknown; admin needs a file", () => {
    const readOnly = { access: ["read" as const] };
    expect(run({ policy: policy({ ...readOnly, source: "flags" }) })).toEqual({
      kind: "deny",
      reason: "agent bot does not have write access, which machines_stop needs",
      fix: "start the server with --access write",
    });
    expect(run({ policy: policy({ ...readOnly, source: "file" }) })).toMatchObject({
      fix: 'add "write" to agents.bot.access in the policy file',
    });
    expect(run({ policy: policy(readOnly) })).toMatchObject({
      fix: 'start the server with --access write, or add "write" to agents.bot.access in the policy file',
    });
    expect(
      run({ policy: policy({ ...readOnly, source: "flags" }), tool: tool({ access: "exec" }) }),
    ).toMatchObject({
      fix: "start the server with --access all",
    });
    expect(
      run({ policy: policy({ ...readOnly, source: "flags" }), tool: tool({ access: "admin" }) }),
    ).toMatchObject({
      fix: 'admin tools need a policy file: add "admin" to agents.bot.access',
    });
  });

  it("tool lists: deny wins, allow restricts", () => {
    expect(run({ policy: policy({ tools: { deny: ["machines_stop"] } }) })).toEqual({
      kind: "deny",
      reason: "machines_stop is in the deny list of agent bot",
      fix: 'remove "machines_stop" from agents.bot.tools.deny in the policy file',
    });
    expect(run({ policy: policy({ tools: { allow: ["machines_list"] } }) })).toEqual({
      kind: "deny",
      reason: "machines_stop is not in the allow list of agent bot",
      fix: 'add "machines_stop" to agents.bot.tools.allow in the policy file',
    });
    expect(run({ policy: policy({ tools: { allow: ["machines_stop"] } }) })).toEqual({ kind: "allow" });
  });

  it("app pinning: another app, no app, and a tool that names no app", () => {
    const pinnedTo = policy({ apps: ["web", "api"], source: "flags" });
    expect(run({ policy: pinnedTo, args: { app_name: "db" } })).toEqual({
      kind: "deny",
      reason: "agent bot is limited to web, api, not db",
      fix: "start the server with --apps including db",
    });
    expect(run({ policy: pinnedTo, args: {} })).toEqual({
      kind: "deny",
      reason: "machines_stop was called without app_name and agent bot is limited to web, api",
      fix: "pass app_name, one of web, api",
    });
    expect(
      run({
        policy: pinnedTo,
        tool: tool({ name: "org_machines_list", reach: "org", path: "/orgs/{org_slug}/machines" }),
      }),
    ).toEqual({
      kind: "deny",
      reason: "org_machines_list does not target a single app and agent bot is limited to web, api",
      fix: "start the server with no --apps restriction",
    });
    // apps_create names the app it creates: pinning holds for it.
    const create = tool({
      name: "apps_create",
      reach: "org",
      appArg: "name",
      path: "/apps",
      input: { shape: { name: {} } } as never,
    });
    expect(run({ policy: pinnedTo, tool: create, args: { name: "web" } })).toEqual({ kind: "allow" });
    expect(run({ policy: pinnedTo, tool: create, args: { name: "db" } })).toMatchObject({ kind: "deny" });
  });

  it("secret values need reveal_secrets", () => {
    expect(
      run({ policy: policy({ source: "file" }), args: { app_name: "web", show_secrets: true } }),
    ).toEqual({
      kind: "deny",
      reason: "agent bot may not see secret values (show_secrets) in machines_stop",
      fix: "call it without show_secrets, or set agents.bot.reveal_secrets: true in the policy file",
    });
    expect(
      run({ policy: policy({ reveal_secrets: true }), args: { app_name: "web", show_secrets: true } }),
    ).toEqual({
      kind: "allow",
    });
    // Only the boolean true asks for values.
    expect(run({ args: { app_name: "web", show_secrets: "true" } })).toEqual({ kind: "allow" });
  });

  it("destructive calls: deny says how to change it, confirm says exactly what goes", () => {
    const stop = tool({ destructive: true });
    const args = { app_name: "web", machine_id: "m1", signal: "SIGKILL", timeout: "0s", force: true };
    expect(run({ policy: policy({ destructive: "deny", source: "flags" }), tool: stop, args })).toEqual({
      kind: "deny",
      reason:
        "machines_stop (Stop machine) on machine m1 in app web (signal SIGKILL, timeout 0s, force: kill it if running) is destructive and agent bot has destructive: deny",
      fix: "start the server with --destructive confirm (asks you first) or --destructive allow",
    });
    expect(
      run({ policy: policy({ destructive: "confirm" }), tool: stop, lost: ["volume data", "x"] }),
    ).toEqual({
      kind: "confirm",
      message:
        "Allow machines_stop (Stop machine) on machine m1 in app web, losing volume data; x? This is destructive and cannot be undone.",
    });
    // What is lost makes a harmless call destructive.
    expect(run({ policy: policy({ destructive: "deny" }), lost: ["secret A"] })).toMatchObject({
      kind: "deny",
    });
    expect(run({ policy: policy({ destructive: "deny" }) })).toEqual({ kind: "allow" });
  });

  it("the server's own app and machine identity", () => {
    expect(run({ ownApp: "mcp", tool: tool({ asServer: true }) })).toEqual({
      kind: "deny",
      reason:
        "machines_stop would return a token for the machine this server runs in (app mcp), whose identity no agent gets",
      fix: "nothing on this server: request it from code running in your own machines",
    });
    expect(run({ ownApp: "mcp", policy: policy({ source: "file" }), args: { app_name: "mcp" } })).toEqual({
      kind: "deny",
      reason:
        "mcp is the app this server runs in (its secrets hold the Fly token); it is out of reach unless named explicitly",
      fix: 'list "mcp" in agents.bot.apps ("*" does not include it) in the policy file',
    });
    expect(run({ ownApp: "mcp", policy: policy({ apps: ["mcp"] }), args: { app_name: "mcp" } })).toEqual({
      kind: "allow",
    });
    expect(run({ ownApp: "mcp", args: { app_name: "web" } })).toEqual({ kind: "allow" });
  });
});

describe("what a destructive call names", () => {
  it("every path parameter below the app, labelled", () => {
    const db = tool({ path: "/postgres/{postgres_cluster_id}/databases/{database_name}", reach: "org" });
    expect(resourceOf(db, { postgres_cluster_id: "pg-1", database_name: "orders" })).toBe(
      "postgres cluster pg-1 / database orders",
    );
    expect(resourceOf(db, { postgres_cluster_id: "", database_name: 3 })).toBeUndefined();
    const cert = tool({ path: "/apps/{app_name}/certificates/{hostname}" });
    expect(resourceOf(cert, { app_name: "web", hostname: "a.example" })).toBe("hostname a.example");
  });

  it("a call with no target says so", () => {
    expect(describeDestruction(tool({ path: "/tokens/kms", name: "t", title: "T" }), {})).toBe(
      "t (T) on no named target",
    );
  });

  it("a predicate that throws counts as destructive; only true from it does", () => {
    expect(
      isDestructive(
        {
          destructive: () => {
            throw new Error("x");
          },
        },
        {},
      ),
    ).toBe(true);
    expect(isDestructive({ destructive: () => "yes" as never }, {})).toBe(false);
    expect(isDestructive({ destructive: false }, {})).toBe(false);
  });
});
