import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashKey } from "../../src/policy/agent-policy.js";
import { newKeys, policyText, runCli } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "approvals-cli-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("approval settings are configuration: errors exit 2 and name the field", () => {
  it("destructive: approve without approvers", async () => {
    const policy = write(
      "no-approvers.yaml",
      `agents: { ci: { key_sha256: ${hashKey(newKeys().ci)}, destructive: approve } }`,
    );
    const out = await runCli(["--sandbox", "--transport", "http", "--port", "0", "--policy", policy], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("agents.ci.destructive: is approve, but the file has no approvers");
  });

  it("an approve agent under stdio", async () => {
    const policy = write("ok.yaml", policyText(newKeys()));
    const out = await runCli(["--sandbox", "--policy", policy, "--agent", "ci"], {});
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--agent ci has destructive: approve, which needs --transport http");
  });

  it("a webhook that is not an http(s) URL, and a TTL that is not a number", async () => {
    const policy = write("ok2.yaml", policyText(newKeys()));
    const base = ["--sandbox", "--transport", "http", "--port", "0", "--policy", policy];
    const hook = await runCli([...base, "--approval-webhook", "ftp://hooks.example.com/x"], {});
    expect(hook.code).toBe(2);
    expect(hook.stderr).toContain("--approval-webhook: must be an http(s) URL");
    const ttl = await runCli([...base, "--approval-ttl", "soon"], {});
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain("--approval-ttl (seconds)");
  });
});
