import { describe, expect, it } from "vitest";
import {
  type AgentPolicy,
  decide,
  isListed,
  policyFromFlags,
  type TokenScope,
} from "../../src/policy/index.js";
import { allTools, coreTools } from "../../src/tools/index.js";
import type { AccessClass, ToolArgs, ToolDef } from "../../src/tools/types.js";

const APP = "my-app";
const byName = new Map(allTools.map((t) => [t.name, t]));
const tool = (name: string): ToolDef => {
  const t = byName.get(name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

/** Arguments naming APP (or `app`) and a resource for every tool. */
function argsFor(t: ToolDef, app = APP, extra: ToolArgs = {}): ToolArgs {
  const args: ToolArgs = {};
  const shape = t.input.shape as Record<string, unknown>;
  if ("app_name" in shape) args.app_name = app;
  if (t.appArg) args[t.appArg] = app;
  if ("machine_id" in shape) args.machine_id = "148e1234";
  if ("volume_id" in shape) args.volume_id = "vol_abc";
  if ("secret_name" in shape) args.secret_name = "DATABASE_URL";
  return { ...args, ...extra };
}

const CORE_NAMES = [
  "apps_list",
  "apps_get",
  "apps_create",
  "apps_delete",
  "machines_list",
  "machines_get",
  "machines_create",
  "machines_update",
  "machines_delete",
  "machines_start",
  "machines_stop",
  "machines_restart",
  "machines_suspend",
  "machines_signal",
  "machines_exec",
  "machines_wait",
  "machines_processes",
  "machines_events",
  "machines_versions",
  "leases_acquire",
  "leases_get",
  "leases_release",
  "volumes_list",
  "volumes_get",
  "volumes_create",
  "volumes_extend",
  "volumes_delete",
  "secrets_list",
  "secrets_set",
  "secrets_delete",
  "tokens_request_oidc",
];

const CORE_READS = [
  "apps_list",
  "apps_get",
  "machines_list",
  "machines_get",
  "machines_wait",
  "machines_processes",
  "machines_events",
  "machines_versions",
  "leases_get",
  "volumes_list",
  "volumes_get",
  "secrets_list",
];

const SCOPES: TokenScope[] = ["readonly", "machine-exec", "deploy", "org"];
const ACCESS_SETS: AccessClass[][] = [
  ["read"],
  ["read", "write"],
  ["read", "write", "exec"],
  ["read", "write", "exec", "admin"],
];

const agent = (access: AccessClass[], more: Partial<AgentPolicy> = {}): AgentPolicy => ({
  name: "bot",
  access,
  apps: "*",
  destructive: "allow",
  source: "file",
  ...more,
});

const scopeAppFor = (scope: TokenScope) => (scope === "deploy" || scope === "machine-exec" ? APP : undefined);

describe("catalog", () => {
  it("has the 31 core tools with the expected access classes", () => {
    expect(coreTools.map((t) => t.name).sort()).toEqual([...CORE_NAMES].sort());
    expect(
      coreTools
        .filter((t) => t.access === "read")
        .map((t) => t.name)
        .sort(),
    ).toEqual([...CORE_READS].sort());
    expect(coreTools.filter((t) => t.access === "exec").map((t) => t.name)).toEqual(["machines_exec"]);
  });
});

describe("decide: token scope caps every agent (named representatives)", () => {
  // Outcome for an agent holding every class, per token scope: o = org, r = readonly,
  // x = machine-exec, d = deploy. Written out by hand, one tool per kind of entry.
  const CASES: Array<[tool: string, allowedUnder: string]> = [
    ["machines_list", "orxd"], // read inside one app, a machine-exec lookup
    ["secrets_list", "ord"], // read inside one app, not a machine-exec lookup
    ["apps_list", "or"], // read across the org
    ["platform_placements_simulate", "or"], // a POST that changes nothing: read, org reach
    ["machines_start", "od"], // write inside one app
    ["postgres_clusters_create", "o"], // write, org reach
    ["postgres_attachments_delete", "o"], // names an app, but changes the org's cluster
    ["apps_create", "o"], // creating apps is an org permission
    ["machines_exec", "oxd"], // exec
    ["secretkeys_decrypt", "o"], // key material: admin
    ["postgres_users_credentials", "o"], // credentials: admin
    ["tokens_create_deploy", "o"], // minting: admin
  ];
  const LETTER: Record<TokenScope, string> = { org: "o", readonly: "r", "machine-exec": "x", deploy: "d" };

  it.each(CASES)("%s is allowed under the scopes %s", (name, allowedUnder) => {
    const t = tool(name);
    for (const scope of SCOPES) {
      const d = decide({
        scope,
        scopeApp: scopeAppFor(scope),
        policy: agent(ACCESS_SETS[3]!),
        tool: t,
        args: argsFor(t),
      });
      expect([scope, d.kind]).toEqual([scope, allowedUnder.includes(LETTER[scope]) ? "allow" : "deny"]);
      if (d.kind === "deny") expect(d.reason).toMatch(/the Fly token/);
    }
  });

  it("an agent's access class narrows what the scope allows", () => {
    const t = tool("machines_start");
    expect(decide({ scope: "org", policy: agent(["read"]), tool: t, args: argsFor(t) }).kind).toBe("deny");
    expect(decide({ scope: "org", policy: agent(["read", "write"]), tool: t, args: argsFor(t) }).kind).toBe(
      "allow",
    );
    const x = tool("secretkeys_sign");
    expect(decide({ scope: "org", policy: agent(ACCESS_SETS[2]!), tool: x, args: argsFor(x) }).kind).toBe(
      "deny",
    );
  });

  it("names the readonly token in the reason", () => {
    const d = decide({
      scope: "readonly",
      policy: agent(["read", "write"]),
      tool: tool("machines_start"),
      args: argsFor(tool("machines_start")),
    });
    expect(d).toMatchObject({ kind: "deny", reason: expect.stringContaining("the Fly token is readonly") });
  });

  it("checks the scope before the agent's access class", () => {
    const d = decide({
      scope: "readonly",
      policy: agent(["read"]),
      tool: tool("machines_exec"),
      args: argsFor(tool("machines_exec")),
    });
    expect(d.kind === "deny" && d.reason).toMatch(/Fly token is readonly/);
  });

  it("admin tools are allowed only under an org token", () => {
    const admin: ToolDef = {
      ...tool("apps_get"),
      name: "tokens_deploy_create",
      access: "admin",
      path: "/apps/{app_name}/deploy_token",
    };
    for (const scope of SCOPES) {
      const d = decide({
        scope,
        scopeApp: scopeAppFor(scope),
        policy: agent(ACCESS_SETS[3]!),
        tool: admin,
        args: { app_name: APP },
      });
      expect([scope, d.kind]).toEqual([scope, scope === "org" ? "allow" : "deny"]);
    }
  });
});

describe("decide: fixes name the setting", () => {
  it("flags policy: --access write / --access all", () => {
    const policy = policyFromFlags({});
    const w = decide({
      scope: "org",
      policy,
      tool: tool("machines_start"),
      args: argsFor(tool("machines_start")),
    });
    expect(w).toMatchObject({ kind: "deny", fix: "start the server with --access write" });
    const x = decide({
      scope: "org",
      policy,
      tool: tool("machines_exec"),
      args: argsFor(tool("machines_exec")),
    });
    expect(x).toMatchObject({ kind: "deny", fix: "start the server with --access all" });
  });

  it("file policy: add the class to agents.<name>.access", () => {
    const d = decide({
      scope: "org",
      policy: agent(["read", "write"]),
      tool: tool("machines_exec"),
      args: argsFor(tool("machines_exec")),
    });
    expect(d).toMatchObject({ kind: "deny", fix: 'add "exec" to agents.bot.access in the policy file' });
  });
});

describe("token scope limited to one app", () => {
  it.each(["machines_start", "secrets_set", "volumes_delete", "machines_list"])(
    "%s: a deploy token reaches only its app",
    (name) => {
      const t = tool(name);
      const policy = agent(["read", "write", "exec"]);
      expect(decide({ scope: "deploy", scopeApp: APP, policy, tool: t, args: argsFor(t) }).kind).toBe(
        "allow",
      );
      const other = decide({
        scope: "deploy",
        scopeApp: APP,
        policy,
        tool: t,
        args: argsFor(t, "other-app"),
      });
      expect(other).toMatchObject({
        kind: "deny",
        reason: expect.stringContaining("cannot reach app other-app"),
      });
    },
  );

  it("machine-exec token with a known app is held to it", () => {
    const t = tool("machines_exec");
    const d = decide({
      scope: "machine-exec",
      scopeApp: APP,
      policy: agent(["read", "exec"]),
      tool: t,
      args: argsFor(t, "x"),
    });
    expect(d.kind).toBe("deny");
    const ok = decide({
      scope: "machine-exec",
      policy: agent(["read", "exec"]),
      tool: t,
      args: argsFor(t, "x"),
    });
    expect(ok.kind).toBe("allow");
  });

  it("deploy token without a known app denies app tools", () => {
    const t = tool("machines_list");
    expect(decide({ scope: "deploy", policy: agent(["read"]), tool: t, args: argsFor(t) }).kind).toBe("deny");
  });

  it("readonly token for one app: reads elsewhere are denied, apps_list stays", () => {
    const policy = agent(["read"]);
    const get = tool("machines_get");
    expect(
      decide({ scope: "readonly", scopeApp: APP, policy, tool: get, args: argsFor(get, "other") }).kind,
    ).toBe("deny");
    expect(decide({ scope: "readonly", scopeApp: APP, policy, tool: get, args: argsFor(get) }).kind).toBe(
      "allow",
    );
    expect(decide({ scope: "readonly", scopeApp: APP, policy, tool: tool("apps_list"), args: {} }).kind).toBe(
      "allow",
    );
  });
});

describe("agent app pinning", () => {
  const pinnedAgent = agent(["read", "write", "exec", "admin"], { apps: [APP, "second"] });
  // Pinning holds for tools inside the one app they name (and apps_create, which names the app it
  // makes); Postgres, org-wide and token tools name no app of their own.
  const withApp = ["machines_start", "secrets_list", "certificates_delete", "apps_create"];
  const withoutApp = [
    "apps_list",
    "org_machines_list",
    "postgres_clusters_list",
    "postgres_attachments_create",
    "postgres_attachments_delete",
    "tokens_request_oidc",
    "platform_regions_list",
  ];

  it.each(withApp)("%s: allowed on pinned apps only", (name) => {
    const t = tool(name);
    expect(decide({ scope: "org", policy: pinnedAgent, tool: t, args: argsFor(t) }).kind).toBe("allow");
    expect(decide({ scope: "org", policy: pinnedAgent, tool: t, args: argsFor(t, "second") }).kind).toBe(
      "allow",
    );
    const d = decide({ scope: "org", policy: pinnedAgent, tool: t, args: argsFor(t, "elsewhere") });
    expect(d).toMatchObject({
      kind: "deny",
      reason: "agent bot is limited to my-app, second, not elsewhere",
      fix: 'add "elsewhere" to agents.bot.apps in the policy file',
    });
    const missing = decide({ scope: "org", policy: pinnedAgent, tool: t, args: {} });
    expect(missing.kind).toBe("deny");
    expect(isListed({ scope: "org", policy: pinnedAgent, tool: t })).toBe(true);
  });

  it.each(withoutApp)("%s: no app of its own, denied and unlisted when pinned", (name) => {
    const t = tool(name);
    // Even naming a pinned app does not help: the tool reaches beyond it.
    const d = decide({ scope: "org", policy: pinnedAgent, tool: t, args: argsFor(t) });
    expect(d).toMatchObject({
      kind: "deny",
      reason: expect.stringContaining("does not target a single app"),
    });
    expect(isListed({ scope: "org", policy: pinnedAgent, tool: t })).toBe(false);
    expect(
      decide({ scope: "org", policy: { ...pinnedAgent, apps: "*" }, tool: t, args: argsFor(t) }).kind,
    ).toBe("allow");
  });

  it("flags policy names --apps in the fix", () => {
    const policy = policyFromFlags({ access: "write", apps: [APP] });
    const t = tool("machines_start");
    expect(decide({ scope: "org", policy, tool: t, args: argsFor(t, "x") })).toMatchObject({
      kind: "deny",
      fix: "start the server with --apps including x",
    });
  });
});

describe("destructive handling", () => {
  const always = ["apps_delete", "machines_delete", "volumes_delete", "secrets_delete"];
  const full = (destructive: AgentPolicy["destructive"]) => agent(["read", "write", "exec"], { destructive });

  it("the catalog marks exactly these tools always destructive", () => {
    expect(
      coreTools
        .filter((t) => t.destructive === true)
        .map((t) => t.name)
        .sort(),
    ).toEqual([...always].sort());
  });

  it.each(always)("%s: deny / confirm / allow", (name) => {
    const t = tool(name);
    const args = argsFor(t);
    const denied = decide({ scope: "org", policy: full("deny"), tool: t, args });
    expect(denied).toMatchObject({ kind: "deny", fix: expect.stringContaining("agents.bot.destructive") });
    const confirm = decide({ scope: "org", policy: full("confirm"), tool: t, args });
    expect(confirm.kind).toBe("confirm");
    if (confirm.kind === "confirm") {
      expect(confirm.message).toContain(name);
      expect(confirm.message).toContain(`app ${APP}`);
    }
    expect(decide({ scope: "org", policy: full("allow"), tool: t, args }).kind).toBe("allow");
  });

  it("confirm message names the machine, volume or secret", () => {
    const msg = (name: string, extra: ToolArgs = {}) => {
      const d = decide({
        scope: "org",
        policy: full("confirm"),
        tool: tool(name),
        args: argsFor(tool(name), APP, extra),
      });
      return d.kind === "confirm" ? d.message : "";
    };
    expect(msg("machines_delete", { force: true })).toBe(
      "Allow machines_delete (Delete machine) on machine 148e1234 in app my-app (force: kill it if running)? This is destructive and cannot be undone.",
    );
    expect(msg("volumes_delete")).toContain("volume vol_abc in app my-app");
    expect(msg("secrets_delete")).toContain("secret DATABASE_URL in app my-app");
  });

  it.each(["machines_stop", "machines_signal"])("%s is destructive only with SIGKILL", (name) => {
    const t = tool(name);
    const kill = argsFor(t, APP, { signal: "SIGKILL" });
    const term = argsFor(t, APP, { signal: "SIGTERM" });
    expect(decide({ scope: "org", policy: full("deny"), tool: t, args: kill }).kind).toBe("deny");
    expect(decide({ scope: "org", policy: full("deny"), tool: t, args: term }).kind).toBe("allow");
    const c = decide({ scope: "org", policy: full("confirm"), tool: t, args: kill });
    expect(c.kind === "confirm" && c.message).toContain("signal SIGKILL");
    expect(decide({ scope: "org", policy: full("confirm"), tool: t, args: term }).kind).toBe("allow");
    expect(decide({ scope: "org", policy: full("allow"), tool: t, args: kill }).kind).toBe("allow");
  });

  it("flags policy: --destructive in the fix", () => {
    const policy = policyFromFlags({ access: "write", destructive: "deny" });
    const d = decide({ scope: "org", policy, tool: tool("apps_delete"), args: { app_name: APP } });
    expect(d.kind === "deny" && d.fix).toMatch(/--destructive allow/);
  });

  it("destructive is checked last: an access denial wins", () => {
    const d = decide({
      scope: "org",
      policy: agent(["read"], { destructive: "confirm" }),
      tool: tool("apps_delete"),
      args: { app_name: APP },
    });
    expect(d.kind).toBe("deny");
  });
});

describe("tool allow and deny lists", () => {
  it("deny list wins over everything", () => {
    const policy = agent(["read", "write"], {
      tools: { deny: ["secrets_delete"], allow: ["secrets_delete"] },
    });
    const d = decide({
      scope: "org",
      policy,
      tool: tool("secrets_delete"),
      args: argsFor(tool("secrets_delete")),
    });
    expect(d).toMatchObject({ kind: "deny", reason: "secrets_delete is in the deny list of agent bot" });
    expect(d.kind === "deny" && d.fix).toBe(
      'remove "secrets_delete" from agents.bot.tools.deny in the policy file',
    );
  });

  it("allow list restricts to its tools and grants nothing beyond access", () => {
    const policy = agent(["read"], { tools: { allow: ["machines_list", "machines_start"] } });
    expect(
      decide({ scope: "org", policy, tool: tool("machines_list"), args: argsFor(tool("machines_list")) })
        .kind,
    ).toBe("allow");
    expect(
      decide({ scope: "org", policy, tool: tool("machines_get"), args: argsFor(tool("machines_get")) }),
    ).toMatchObject({
      kind: "deny",
      fix: 'add "machines_get" to agents.bot.tools.allow in the policy file',
    });
    expect(
      decide({ scope: "org", policy, tool: tool("machines_start"), args: argsFor(tool("machines_start")) })
        .kind,
    ).toBe("deny");
  });

  it("lists are checked before the token scope", () => {
    const policy = agent(["read"], { tools: { deny: ["machines_start"] } });
    const d = decide({
      scope: "readonly",
      policy,
      tool: tool("machines_start"),
      args: argsFor(tool("machines_start")),
    });
    expect(d.kind === "deny" && d.reason).toMatch(/deny list/);
  });
});

describe("show_secrets", () => {
  const t = tool("secrets_list");
  it("is denied unless reveal_secrets", () => {
    const d = decide({
      scope: "org",
      policy: agent(["read"]),
      tool: t,
      args: argsFor(t, APP, { show_secrets: true }),
    });
    expect(d).toMatchObject({
      kind: "deny",
      fix: expect.stringContaining("agents.bot.reveal_secrets: true"),
    });
    const flags = decide({
      scope: "org",
      policy: policyFromFlags({}),
      tool: t,
      args: argsFor(t, APP, { show_secrets: true }),
    });
    expect(flags.kind === "deny" && flags.fix).toMatch(/--reveal-secrets/);
    expect(
      decide({
        scope: "org",
        policy: agent(["read"], { reveal_secrets: true }),
        tool: t,
        args: argsFor(t, APP, { show_secrets: true }),
      }).kind,
    ).toBe("allow");
    expect(
      decide({
        scope: "org",
        policy: agent(["read"]),
        tool: t,
        args: argsFor(t, APP, { show_secrets: false }),
      }).kind,
    ).toBe("allow");
    expect(decide({ scope: "org", policy: agent(["read"]), tool: t, args: argsFor(t) }).kind).toBe("allow");
  });
});

describe("isListed", () => {
  const count = (scope: TokenScope, policy: AgentPolicy, tools: readonly ToolDef[] = coreTools) =>
    tools.filter((t) => isListed({ scope, scopeApp: scopeAppFor(scope), policy, tool: t })).length;

  it.each([
    ["org", 12, 30, 31],
    ["readonly", 12, 12, 12],
    ["machine-exec", 4, 4, 5],
    ["deploy", 11, 27, 28],
  ] as const)("core counts under %s token: read %i, write %i, all %i", (scope, read, write, all) => {
    expect(count(scope, policyFromFlags({ access: "read" }))).toBe(read);
    expect(count(scope, policyFromFlags({ access: "write" }))).toBe(write);
    expect(count(scope, policyFromFlags({ access: "all" }))).toBe(all);
  });

  it("destructive deny hides always-destructive tools and keeps SIGKILL-capable ones", () => {
    const policy = policyFromFlags({ access: "all", destructive: "deny" });
    const listed = coreTools.filter((t) => isListed({ scope: "org", policy, tool: t })).map((t) => t.name);
    expect(listed).toHaveLength(27);
    expect(listed).toContain("machines_stop");
    expect(listed).toContain("machines_signal");
    expect(listed).not.toContain("machines_delete");
  });

  it("pinned agents do not see tools without a target app", () => {
    const policy = policyFromFlags({ access: "all", apps: [APP] });
    expect(count("org", policy)).toBe(29);
    expect(isListed({ scope: "org", policy, tool: tool("apps_create") })).toBe(true);
  });

  it("a per-app token and an agent pinned elsewhere list nothing", () => {
    const policy = policyFromFlags({ access: "all", apps: ["other"] });
    expect(count("deploy", policy)).toBe(0);
  });

  it("lists hide tools", () => {
    const policy = agent(["read", "write", "exec"], {
      destructive: "confirm",
      tools: { deny: ["machines_exec"] },
    });
    expect(count("org", policy)).toBe(30);
    expect(count("org", agent(["read"], { tools: { allow: ["apps_get"] } }))).toBe(1);
  });

  it("agrees with decide: a listed tool is allowed for some arguments, an unlisted one for none tried", () => {
    for (const scope of SCOPES) {
      for (const access of ACCESS_SETS) {
        for (const t of allTools) {
          const policy = agent(access, { destructive: "deny" });
          const listed = isListed({ scope, scopeApp: scopeAppFor(scope), policy, tool: t });
          const tries = [argsFor(t), argsFor(t, APP, { signal: "SIGTERM" })];
          const someAllowed = tries.some(
            (args) => decide({ scope, scopeApp: scopeAppFor(scope), policy, tool: t, args }).kind === "allow",
          );
          expect([t.name, scope, access.join("+"), listed]).toEqual([
            t.name,
            scope,
            access.join("+"),
            someAllowed,
          ]);
        }
      }
    }
  });
});
