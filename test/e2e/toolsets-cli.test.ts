import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, cliEnv, spawnClient } from "../support/cli.js";
import { textOf } from "../support/harness.js";

const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    env: cliEnv(extra),
    encoding: "utf8",
    timeout: 20_000,
    input: "",
  });

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("removed and new flags at start", () => {
  it("--dynamic-toolsets exits 2 with one line pointing to toolsets: and --toolsets", () => {
    const out = run(["--sandbox", "--dynamic-toolsets"]);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe("");
    const lines = out.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fly-machines-mcp: --dynamic-toolsets was removed/);
    expect(lines[0]).toContain("toolsets: [core, certificates] per agent in the policy file");
    expect(lines[0]).toContain("--toolsets core,certificates for the local agent");
  });

  it("an unknown toolset in the policy file exits 2 naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "toolsets-cli-"));
    const policy = join(dir, "policy.yaml");
    writeFileSync(policy, "agents:\n  ops:\n    toolsets: [core, ipz]\n");
    const out = run(["--sandbox", "--policy", policy, "--agent", "ops"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain(`policy file ${policy}: agents.ops.toolsets[1]: unknown toolset "ipz"`);
    expect(out.stderr).toContain('did you mean "ips"?');
  });

  it("--confirm-fallback takes deny or echo only (exit 2)", () => {
    const out = run(["--sandbox", "--confirm-fallback", "yes"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/--confirm-fallback/);
  });
});

describe("--toolsets narrows the local agent over stdio", () => {
  it("lists only those toolsets and refuses a call outside them, audited", async () => {
    const dir = mkdtempSync(join(tmpdir(), "toolsets-cli-"));
    const auditLog = join(dir, "audit.log");
    const session = await spawnClient([
      "--sandbox",
      "--toolsets",
      "platform",
      "--audit-log",
      auditLog,
      "--token-scope",
      "org",
    ]);
    closers.push(() => session.client.close());
    const names = (await session.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(["platform_regions_list"]);
    const result = await session.call("apps_list", { org_slug: "personal" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(
      "apps_list is in toolset core, which agent local does not have (its toolsets: platform)",
    );
    expect(textOf(result)).toContain("--toolsets platform,core");
    const lines = readFileSync(auditLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ tool: "apps_list", decision: "deny", agent: "local" })]);
  });
});
