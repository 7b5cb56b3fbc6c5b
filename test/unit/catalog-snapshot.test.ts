import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type AgentPolicy,
  isListed,
  policyFromFlags,
  TOKEN_SCOPES,
  type TokenScope,
} from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";
import { annotationsOf, inputWithDefaults } from "../../src/tools/present.js";
import type { ToolArgs, ToolDef } from "../../src/tools/types.js";

/**
 * Every tool's security facts in one reviewed file: a change of class, reach, destructiveness,
 * hints or listing shows as a diff and fails here until the snapshot is updated on purpose:
 *   npx vitest run test/unit/catalog-snapshot.test.ts -u
 */
const SNAPSHOT = "../__snapshots__/catalog.json";
const APP = "my-app";

/** Arguments that may make a call destructive, each with a harmless counterpart. */
const PROBES: ToolArgs[] = [
  { signal: "SIGKILL" },
  { signal: "SIGABRT" },
  { signal: "SIGTERM" },
  { signal: "SIGQUIT" },
  { timeout: "0s" },
  { timeout: "500ms" },
  { timeout: "10s" },
  { metadata: { role: "" } },
  { metadata: { role: "web" } },
  { kill_sessions: true },
  { kill_sessions: false },
  { force: true },
  { merge: true, config: { env: { A: null } } },
];

const showProbe = (p: ToolArgs): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");

function destructiveFacts(tool: ToolDef): unknown {
  const facts: Record<string, unknown> = {};
  if (tool.destructive === true) facts.always = true;
  if (typeof tool.destructive === "function") {
    const fn = tool.destructive;
    const shape = tool.input.shape as Record<string, unknown>;
    const relevant = PROBES.filter((p) => Object.keys(p).every((k) => k in shape));
    facts.when = relevant
      .filter((p) => fn(p))
      .map(showProbe)
      .join(" | ");
    facts.not_when = relevant
      .filter((p) => !fn(p))
      .map(showProbe)
      .join(" | ");
  }
  if (tool.losses) facts.names_losses = true;
  // Whether the published schema takes `confirm`, the echo confirmation's phrase.
  if ("confirm" in inputWithDefaults(tool, {}).shape) facts.confirm_field = true;
  return Object.keys(facts).length > 0 ? facts : "never";
}

/** Agent presets: the --access flags, a policy-file admin, destructive: deny, and app pinning. */
const PRESETS: Record<string, AgentPolicy> = {
  read: policyFromFlags({ access: "read" }),
  write: policyFromFlags({ access: "write" }),
  all: policyFromFlags({ access: "all" }),
  admin: {
    name: "ops",
    access: ["read", "write", "exec", "admin"],
    apps: "*",
    destructive: "confirm",
    source: "file",
  },
  "all+destructive-deny": policyFromFlags({ access: "all", destructive: "deny" }),
  "all+pinned": policyFromFlags({ access: "all", apps: [APP] }),
};

const scopeAppFor = (scope: TokenScope) => (scope === "deploy" || scope === "machine-exec" ? APP : undefined);

/** Per token scope, the presets that list the tool, space-separated ("-" for none). */
function listing(tool: ToolDef): Record<string, string> {
  const out: Record<string, string> = {};
  for (const scope of TOKEN_SCOPES) {
    out[scope] =
      Object.entries(PRESETS)
        .filter(([, policy]) => isListed({ scope, scopeApp: scopeAppFor(scope), policy, tool }))
        .map(([name]) => name)
        .join(" ") || "-";
  }
  return out;
}

const catalog = [...allTools]
  .sort((a, b) => a.name.localeCompare(b.name))
  .map((tool) => ({
    name: tool.name,
    toolset: tool.toolset,
    access: tool.access,
    reach: tool.reach,
    destructive: destructiveFacts(tool),
    annotations: annotationsOf(tool),
    listed: listing(tool),
    // Fields the server reads itself (approval_id), added by rule; never sent to Fly.
    local:
      Object.keys(inputWithDefaults(tool, {}).shape)
        .filter((f) => !(f in tool.input.shape))
        .join(" ") || "-",
  }));

describe("catalog snapshot", () => {
  it("exists (a deleted snapshot is not silently written anew)", () => {
    expect(existsSync(fileURLToPath(new URL(SNAPSHOT, import.meta.url)))).toBe(true);
  });

  it("matches every tool's security facts", async () => {
    await expect(`${JSON.stringify(catalog, null, 2)}\n`).toMatchFileSnapshot(SNAPSHOT);
  });
});
