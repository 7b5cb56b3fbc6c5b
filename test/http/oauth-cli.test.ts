import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cliEnv } from "../support/cli.js";

const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, "--transport", "http", "--sandbox", ...args], {
    env: cliEnv(extra),
    encoding: "utf8",
    timeout: 20_000,
    input: "",
  });

const policy = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "fly-mcp-oauth-cli-")), "policy.yaml");
  writeFileSync(path, text);
  return path;
};

describe("the CLI's OAuth settings", () => {
  it("an issuer over plain http elsewhere than loopback: exit 2 naming the flag, secret not echoed", () => {
    const secret = "introspection-secret-value-123";
    const file = policy("agents:\n  a:\n    oauth: { sub: [alice] }\n");
    const out = run(["--policy", file, "--oauth-issuer", "http://login.example.com/"], {
      FLY_MCP_OAUTH_CLIENT_SECRET: secret,
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("--oauth-issuer: must use https://");
    expect(out.stderr + out.stdout).not.toContain(secret);
  });

  it("an issuer but no agent with an oauth: mapping: exit 2 saying what to add", () => {
    const file = policy("agents:\n  a:\n    access: [read]\n");
    const out = run(["--policy", file, "--oauth-issuer", "http://127.0.0.1:9/"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("--oauth-issuer: no agent in");
    expect(out.stderr).toContain("has an oauth: mapping");
  });
});
