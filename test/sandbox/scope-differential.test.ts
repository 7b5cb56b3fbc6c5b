import { describe, expect, it } from "vitest";
import { type AgentPolicy, isListed, type TokenScope } from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";
import { buildRequest } from "../../src/tools/request.js";
import type { ToolArgs, ToolDef } from "../../src/tools/types.js";
import { quickSandbox } from "./helpers.js";

// The gate and the sandbox are two independent models of what a Fly token allows. For every tool
// and every token kind: a tool the gate lists must not be refused by the sandbox for its scope.

const APP = "demo-app";
const TOKENS: Record<TokenScope, string> = {
  org: "sandbox",
  readonly: "sandbox-readonly",
  deploy: `sandbox-deploy:${APP}`,
  "machine-exec": `sandbox-exec:${APP}`,
};
const SCOPE_APP: Record<TokenScope, string | undefined> = {
  org: undefined,
  readonly: undefined,
  deploy: APP,
  "machine-exec": APP,
};

/** An agent with every class: the token scope is the only cap left. */
const everything: AgentPolicy = {
  name: "ops",
  access: ["read", "write", "exec", "admin"],
  apps: "*",
  destructive: "allow",
  source: "file",
};

const PATH_VALUES: Record<string, string> = {
  app_name: APP,
  machine_id: "148e1234",
  volume_id: "vol_abc",
  secret_name: "DATABASE_URL",
  hostname: "www.example.com",
  ip: "203.0.113.7",
  key: "role",
  postgres_cluster_id: "pg1",
  database_name: "orders",
  extension_name: "citext",
  username: "app",
  org_slug: "personal",
};

function argsFor(tool: ToolDef): ToolArgs {
  const args: ToolArgs = {};
  for (const field of Object.keys(tool.input.shape))
    if (field in PATH_VALUES) args[field] = PATH_VALUES[field];
  if (tool.appArg) args[tool.appArg] = APP;
  return args;
}

/** The sandbox's answer to the tool's request under a token: refused for scope, or not. */
async function refusedForScope(tool: ToolDef, token: string): Promise<string | undefined> {
  const sb = quickSandbox();
  const req = buildRequest(tool, argsFor(tool));
  const res = await sb.fetch(
    new Request(`http://sandbox/v1${req.path}`, {
      method: req.method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: req.method === "GET" || req.method === "DELETE" ? undefined : "{}",
    }),
  );
  const text = await res.text();
  return res.status === 403 && /unauthorized/.test(text) ? text : undefined;
}

describe.each(Object.keys(TOKENS) as TokenScope[])("gate versus sandbox under a %s token", (scope) => {
  it.each(allTools.map((t) => [t.name, t] as const))(
    "%s: listed only if the sandbox lets it through",
    async (_n, tool) => {
      const listed = isListed({ scope, scopeApp: SCOPE_APP[scope], policy: everything, tool });
      const refusal = await refusedForScope(tool, TOKENS[scope]);
      expect({ listed, refusal }).not.toMatchObject({ listed: true, refusal: expect.any(String) });
    },
  );
});

describe("the differential can fail", () => {
  it("the sandbox refuses a write under a readonly token and an exec token's KMS use", async () => {
    const byName = new Map(allTools.map((t) => [t.name, t]));
    expect(await refusedForScope(byName.get("machines_start")!, TOKENS.readonly)).toBeDefined();
    expect(await refusedForScope(byName.get("secretkeys_encrypt")!, TOKENS["machine-exec"])).toBeDefined();
    expect(await refusedForScope(byName.get("postgres_attachments_delete")!, TOKENS.deploy)).toBeDefined();
  });
});
