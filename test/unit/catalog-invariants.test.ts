import { describe, expect, it } from "vitest";
import type { FlyClient } from "../../src/fly/client.js";
import { decideWithState } from "../../src/policy/decide-with-state.js";
import {
  type AgentPolicy,
  createAccessControl,
  decide,
  isListed,
  type TokenScope,
} from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";
import { annotationsOf, inputWithDefaults } from "../../src/tools/present.js";
import { pathParams } from "../../src/tools/request.js";
import type { ToolArgs, ToolDef } from "../../src/tools/types.js";

// Security facts of the catalog, written out by hand: none of these lists comes from the code.

const ADMIN = [
  "postgres_users_credentials",
  "postgres_users_rotate_password",
  "secretkeys_decrypt",
  "secretkeys_encrypt",
  "secretkeys_sign",
  "secretkeys_verify",
  "tokens_create_deploy",
  "tokens_request_kms",
];

const EXEC = ["machines_exec"];

const READ = [
  "apps_get",
  "apps_list",
  "certificates_get",
  "certificates_list",
  "ips_list",
  "leases_get",
  "machines_events",
  "machines_get",
  "machines_list",
  "machines_memory_get",
  "machines_metadata_get",
  "machines_metadata_get_key",
  "machines_processes",
  "machines_versions",
  "machines_wait",
  "org_machines_list",
  "org_volumes_list",
  // POSTs that change nothing.
  "platform_placements_simulate",
  "platform_regions_list",
  "postgres_backups_list",
  "postgres_clusters_get",
  "postgres_clusters_list",
  "postgres_databases_list",
  "postgres_extensions_list",
  "postgres_queries_active",
  "postgres_queries_slow",
  "postgres_users_list",
  "secretkeys_get",
  "secretkeys_list",
  "secrets_get",
  "secrets_list",
  "tokens_authenticate",
  "tokens_authorize",
  "tokens_current",
  "volumes_get",
  "volumes_list",
  "volumes_snapshots_list",
];

/** Tools that act on the org rather than inside one app. */
const ORG_REACH = [
  "apps_create",
  "apps_list",
  "org_machines_list",
  "org_volumes_list",
  "platform_placements_simulate",
  "platform_regions_list",
  "postgres_attachments_create",
  "postgres_attachments_delete",
  "postgres_backups_create",
  "postgres_backups_list",
  "postgres_clusters_create",
  "postgres_clusters_delete",
  "postgres_clusters_fork",
  "postgres_clusters_get",
  "postgres_clusters_list",
  "postgres_clusters_restore",
  "postgres_databases_create",
  "postgres_databases_delete",
  "postgres_databases_list",
  "postgres_extensions_disable",
  "postgres_extensions_enable",
  "postgres_extensions_list",
  "postgres_queries_active",
  "postgres_queries_slow",
  "postgres_users_create",
  "postgres_users_credentials",
  "postgres_users_delete",
  "postgres_users_list",
  "postgres_users_rotate_password",
  "postgres_users_update_role",
  "tokens_authenticate",
  "tokens_authorize",
  "tokens_current",
  "tokens_request_kms",
  "tokens_request_oidc",
];

const ALWAYS_DESTRUCTIVE = [
  "apps_delete",
  "certificates_delete",
  "certificates_delete_acme",
  "certificates_delete_custom",
  "ips_release",
  "machines_delete",
  "machines_metadata_delete_key",
  "postgres_attachments_delete",
  "postgres_clusters_delete",
  "postgres_databases_delete",
  "postgres_extensions_disable",
  "postgres_users_delete",
  "secretkeys_delete",
  "secretkeys_set",
  "secrets_delete",
  "volumes_delete",
];

/** Destructive for some arguments only: one example each way. */
const BY_ARGUMENTS: Array<[tool: string, destructive: ToolArgs, harmless: ToolArgs]> = [
  ["machines_stop", { signal: "SIGKILL" }, { signal: "SIGTERM" }],
  ["machines_stop", { timeout: "0s" }, { timeout: "30s" }],
  ["machines_restart", { signal: "SIGKILL" }, {}],
  ["machines_restart", { timeout: "100ms" }, { timeout: "5s" }],
  // Go truncates the fraction: this is 999.999999 ms, under a second, though a float rounds it to 1 s.
  ["machines_stop", { timeout: "0.99999999999999999s" }, { timeout: "1s" }],
  ["machines_restart", { timeout: "999999999ns" }, { timeout: "1.0s" }],
  ["machines_signal", { signal: "SIGKILL" }, { signal: "SIGHUP" }],
  ["machines_signal", { signal: "SIGSEGV" }, { signal: "SIGUSR1" }],
  ["machines_metadata_update", { metadata: { role: "" } }, { metadata: { role: "web" } }],
  ["machines_metadata_put", { metadata: { role: "" } }, { metadata: { role: "web" } }],
  ["postgres_users_rotate_password", { kill_sessions: true }, { kill_sessions: false }],
];

/** Destructive depending on the current state, read before the gate decides. */
const BY_STATE = [
  "machines_metadata_put",
  "machines_metadata_set_key",
  "machines_metadata_update",
  "machines_signal",
  "machines_stop",
  "secrets_set",
  "secrets_set_one",
];

/** Input fields that steer the server itself and are never sent to Fly. */
const LOCAL_FIELDS: Record<string, string[]> = {
  apps_list: ["full"],
  certificates_list: ["full"],
  machines_list: ["full"],
  machines_update: ["merge"],
  org_machines_list: ["full"],
  org_volumes_list: ["full"],
  volumes_list: ["full", "include_destroying"],
};

/** Lookups a machine-exec token gets beside exec. */
const MACHINE_EXEC_LISTS = ["apps_get", "machines_exec", "machines_get", "machines_list", "machines_wait"];

const names = (tools: readonly ToolDef[]) => tools.map((t) => t.name).sort();
const byName = new Map(allTools.map((t) => [t.name, t]));
const tool = (name: string): ToolDef => byName.get(name) ?? expect.unreachable(`no tool ${name}`);
const APP = "my-app";
const full: AgentPolicy = {
  name: "ops",
  access: ["read", "write", "exec", "admin"],
  apps: "*",
  destructive: "allow",
  source: "file",
};

function argsFor(t: ToolDef, extra: ToolArgs = {}): ToolArgs {
  const shape = t.input.shape as Record<string, unknown>;
  const args: ToolArgs = {};
  for (const field of ["app_name", "machine_id", "secret_name", "username", "postgres_cluster_id"]) {
    if (field in shape) args[field] = field === "app_name" ? APP : `x${field.length}`;
  }
  return { ...args, ...extra };
}

describe("catalog invariants", () => {
  it("admin is exactly: minting, revealing or using credentials and key material", () => {
    expect(names(allTools.filter((t) => t.access === "admin"))).toEqual(ADMIN);
  });

  it("exec is exactly running a command in a machine", () => {
    expect(names(allTools.filter((t) => t.access === "exec"))).toEqual(EXEC);
  });

  it("read is exactly the tools that change nothing", () => {
    expect(names(allTools.filter((t) => t.access === "read"))).toEqual(READ);
  });

  it("org reach is exactly the tools not confined to one app", () => {
    expect(names(allTools.filter((t) => t.reach === "org"))).toEqual(ORG_REACH);
  });

  it("the always-destructive set is exactly these", () => {
    expect(names(allTools.filter((t) => t.destructive === true))).toEqual(ALWAYS_DESTRUCTIVE);
  });

  it("every conditionally destructive tool is named here with an example each way", () => {
    const conditional = allTools.filter((t) => typeof t.destructive === "function").map((t) => t.name);
    expect([...new Set(conditional)].sort()).toEqual([...new Set(BY_ARGUMENTS.map(([n]) => n))].sort());
    expect(names(allTools.filter((t) => t.losses !== undefined))).toEqual(
      [
        ...new Set([
          ...BY_STATE,
          "machines_metadata_update",
          "machines_metadata_put",
          "postgres_users_rotate_password",
        ]),
      ].sort(),
    );
  });

  it.each(BY_ARGUMENTS)("%s is destructive with %j, not with %j", (name, bad, good) => {
    const t = tool(name);
    const policy = { ...full, destructive: "deny" as const };
    expect(decide({ scope: "org", policy, tool: t, args: argsFor(t, bad) }).kind).toBe("deny");
    expect(decide({ scope: "org", policy, tool: t, args: argsFor(t, good) }).kind).toBe("allow");
  });

  it("no tool has both readOnlyHint and destructiveHint", () => {
    for (const t of allTools) {
      const a = annotationsOf(t);
      expect([t.name, a.readOnlyHint && a.destructiveHint]).toEqual([t.name, false]);
    }
  });

  it("readOnlyHint is exactly the read set, destructiveHint covers every destructive and exec tool", () => {
    expect(names(allTools.filter((t) => annotationsOf(t).readOnlyHint))).toEqual(READ);
    const mayDestroy = [...ALWAYS_DESTRUCTIVE, ...BY_ARGUMENTS.map(([n]) => n), ...BY_STATE, ...EXEC];
    for (const name of mayDestroy)
      expect([name, annotationsOf(tool(name)).destructiveHint]).toEqual([name, true]);
  });

  it("every published input field is sent to Fly or is one of the local fields", () => {
    // `confirm` (echo) and `approval_id` (human approval) on exactly the tools that can need confirmation.
    const mayConfirm = new Set([...ALWAYS_DESTRUCTIVE, ...BY_ARGUMENTS.map(([n]) => n), ...BY_STATE]);
    for (const t of allTools) {
      const sent = new Set([
        ...pathParams(t.path),
        ...(t.query ?? []).map((q) => q.replace(/\.\*$/, "")),
        ...(t.body ?? []),
        ...Object.keys(t.headers ?? {}),
      ]);
      const published = Object.keys(inputWithDefaults(t, { app_name: APP, org_slug: "personal" }).shape);
      const unsent = published.filter((f) => !sent.has(f)).sort();
      const local = [
        ...(LOCAL_FIELDS[t.name] ?? []),
        ...(mayConfirm.has(t.name) ? ["approval_id", "confirm"] : []),
      ].sort();
      expect([t.name, unsent]).toEqual([t.name, local]);
    }
  });
});

describe("what each token scope may list (an agent with every class)", () => {
  const listed = (scope: TokenScope) =>
    names(
      allTools.filter((t) =>
        isListed({
          scope,
          scopeApp: scope === "org" || scope === "readonly" ? undefined : APP,
          policy: full,
          tool: t,
        }),
      ),
    );

  it("org: every tool", () => expect(listed("org")).toEqual(names(allTools)));
  it("readonly: the read tools only", () => expect(listed("readonly")).toEqual(READ));
  it("machine-exec: exec and the lookups that find a machine", () => {
    expect(listed("machine-exec")).toEqual(MACHINE_EXEC_LISTS);
  });
  it("deploy: every tool inside its app, but no admin and no org-reach tool", () => {
    const expected = names(allTools).filter((n) => !ADMIN.includes(n) && !ORG_REACH.includes(n));
    expect(listed("deploy")).toEqual(expected);
    for (const n of [
      "postgres_attachments_delete",
      "postgres_users_credentials",
      "secretkeys_decrypt",
      "apps_create",
    ])
      expect(listed("deploy")).not.toContain(n);
  });
});

describe("destructive by state: read before the gate decides, named in the confirmation", () => {
  /** A Fly client answering GETs from a fixed state; anything else fails the test. */
  const flyWith = (state: Record<string, unknown>): FlyClient =>
    ({
      request: async (req: { method: string; path: string }) => {
        if (req.method !== "GET" || !(req.path in state))
          throw new Error(`unexpected ${req.method} ${req.path}`);
        return { status: 200, data: state[req.path], headers: new Headers() };
      },
    }) as unknown as FlyClient;

  const gate = (destructive: AgentPolicy["destructive"]) =>
    createAccessControl({ scope: "org", policy: { ...full, destructive } });

  const auditRead = () => {};
  const machinePath = `/apps/${APP}/machines/m1`;
  const secretsPath = `/apps/${APP}/secrets`;

  it("stopping an auto_destroy machine asks first and says the machine goes", async () => {
    const ctx = { fly: flyWith({ [machinePath]: { id: "m1", config: { auto_destroy: true } } }) };
    const d = await decideWithState(
      gate("confirm"),
      tool("machines_stop"),
      { app_name: APP, machine_id: "m1" },
      ctx,
      auditRead,
    );
    expect(d.kind === "confirm" && d.message).toContain("machine m1 itself (its config has auto_destroy");
    const kept = { fly: flyWith({ [machinePath]: { id: "m1", config: { auto_destroy: false } } }) };
    const ok = await decideWithState(
      gate("deny"),
      tool("machines_stop"),
      { app_name: APP, machine_id: "m1" },
      kept,
      auditRead,
    );
    expect(ok.kind).toBe("allow");
  });

  it("a gentle signal to an auto_destroy machine asks first: if the process ends, the machine is destroyed", async () => {
    const ctx = { fly: flyWith({ [machinePath]: { id: "m1", config: { auto_destroy: true } } }) };
    const args = { app_name: APP, machine_id: "m1", signal: "SIGTERM" };
    const d = await decideWithState(gate("confirm"), tool("machines_signal"), args, ctx, auditRead);
    expect(d.kind === "confirm" && d.message).toContain("machine m1 itself (its config has auto_destroy");
    const kept = { fly: flyWith({ [machinePath]: { id: "m1", config: {} } }) };
    const ok = await decideWithState(gate("deny"), tool("machines_signal"), args, kept, auditRead);
    expect(ok.kind).toBe("allow");
  });

  it("secrets_set names exactly the existing secrets it overwrites; new ones pass", async () => {
    const ctx = { fly: flyWith({ [secretsPath]: { secrets: [{ name: "DB_URL" }, { name: "OTHER" }] } }) };
    const over = await decideWithState(
      gate("confirm"),
      tool("secrets_set"),
      { app_name: APP, values: { DB_URL: "x", NEW: "y" } },
      ctx,
      auditRead,
    );
    expect(over.kind === "confirm" && over.message).toContain("losing the current value of secret DB_URL?");
    const fresh = await decideWithState(
      gate("deny"),
      tool("secrets_set"),
      { app_name: APP, values: { NEW: "y" } },
      ctx,
      auditRead,
    );
    expect(fresh.kind).toBe("allow");
    const one = await decideWithState(
      gate("deny"),
      tool("secrets_set_one"),
      { app_name: APP, secret_name: "OTHER", value: "z" },
      ctx,
      auditRead,
    );
    expect(one.kind).toBe("deny");
  });

  it("a state that cannot be read counts as destructive; allow never reads", async () => {
    const broken = { fly: flyWith({}) };
    const d = await decideWithState(
      gate("deny"),
      tool("secrets_set"),
      { app_name: APP, values: { A: "1" } },
      broken,
      auditRead,
    );
    expect(d.kind).toBe("deny");
    const allowed = await decideWithState(
      gate("allow"),
      tool("secrets_set"),
      { app_name: APP, values: { A: "1" } },
      broken,
      auditRead,
    );
    expect(allowed.kind).toBe("allow");
  });

  it("metadata: removing a key or replacing a value asks and names it; a new key or the same value does not", async () => {
    const metaPath = `${machinePath}/metadata`;
    const ctx = { fly: flyWith({ [metaPath]: { role: "web", keep: "1", owner: "ops" } }) };
    const meta = await decideWithState(
      gate("confirm"),
      tool("machines_metadata_update"),
      { app_name: APP, machine_id: "m1", metadata: { role: "", keep: "1", owner: "me", fresh: "x" } },
      ctx,
      auditRead,
    );
    expect(meta.kind === "confirm" && meta.message).toContain("metadata key role");
    expect(meta.kind === "confirm" && meta.message).toContain("the current value of metadata key owner");
    expect(meta.kind === "confirm" && meta.message).not.toContain("keep");
    expect(meta.kind === "confirm" && meta.message).not.toContain("fresh");
    const setKey = (value: string) =>
      decideWithState(
        gate("deny"),
        tool("machines_metadata_set_key"),
        { app_name: APP, machine_id: "m1", key: "owner", value },
        ctx,
        auditRead,
      );
    expect((await setKey("me")).kind).toBe("deny");
    expect((await setKey("ops")).kind).toBe("allow");
  });

  it("confirmations name the ended sessions", () => {
    const policy = { ...full, destructive: "confirm" as const };
    const rotate = tool("postgres_users_rotate_password");
    const args = { postgres_cluster_id: "pg1", username: "app", kill_sessions: true };
    const r = decide({
      scope: "org",
      policy,
      tool: rotate,
      args,
      lost: rotate.losses!(args, {} as never) as string[],
    });
    expect(r.kind === "confirm" && r.message).toContain("the open sessions of user app (kill_sessions)");
  });
});
