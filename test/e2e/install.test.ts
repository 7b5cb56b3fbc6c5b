import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textOf } from "../support/harness.js";
import { callOverStdio } from "../support/stdio-call.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// The package as npm would publish it: packed, then installed globally into a throwaway prefix.
describe("the packed package, installed into a fresh prefix", () => {
  let dir: string;
  let bin: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fly-mcp-install-"));
    // dist/ is fresh (global setup builds it); the tarball must carry it without running prepare again.
    const packed = JSON.parse(
      execFileSync(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
        encoding: "utf8",
      }),
    ) as { filename: string }[];
    const tarball = join(dir, packed[0]!.filename);
    const prefix = join(dir, "prefix");
    // Dependencies come from the local npm cache where it has them; nothing of ours from the registry.
    execFileSync(
      npm,
      ["install", "--global", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    bin = join(prefix, process.platform === "win32" ? "fly-machines-mcp.cmd" : "bin/fly-machines-mcp");
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs a fly-machines-mcp command that prints the package version", () => {
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()).toBe(pkg.version);
  });

  it("serves a sandbox tool call through the installed command", async () => {
    const result = await callOverStdio(bin, ["--sandbox"], "machines_list", { app_name: "demo-app" });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(JSON.parse(textOf(result)).machines).toHaveLength(2);
  }, 60_000);
});
