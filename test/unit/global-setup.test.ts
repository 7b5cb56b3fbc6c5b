import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ensureFreshBuild } from "../global-setup.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project whose build output is `builtAgeS` seconds old and whose one source is `sourceAgeS` old. */
function project(builtAgeS: number | undefined, sourceAgeS: number) {
  const root = mkdtempSync(join(tmpdir(), "build-check-"));
  dirs.push(root);
  const now = Date.now() / 1000;
  mkdirSync(join(root, "src", "nested"), { recursive: true });
  const source = join(root, "src", "nested", "cli.ts");
  writeFileSync(source, "export {};\n");
  utimesSync(source, now - sourceAgeS, now - sourceAgeS);
  const built = join(root, "cli.js");
  if (builtAgeS !== undefined) {
    writeFileSync(built, "\n");
    utimesSync(built, now - builtAgeS, now - builtAgeS);
  }
  return { built, sources: join(root, "src") };
}

describe("the test run's build check", () => {
  it("stops the run, naming the stale build, when the build fails", () => {
    const build = vi.fn(() => {
      throw new Error("tsc exited with code 2");
    });
    expect(() => ensureFreshBuild({ ...project(60, 10), build })).toThrow(/build failed.*stale .*cli\.js/);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("stops the run when there is no build at all and building fails", () => {
    const build = () => {
      throw new Error("tsc exited with code 2");
    };
    expect(() => ensureFreshBuild({ ...project(undefined, 10), build })).toThrow(/build failed/);
  });

  it("rebuilds when a source in a subfolder is newer than the build", () => {
    const build = vi.fn();
    ensureFreshBuild({ ...project(60, 10), build });
    expect(build).toHaveBeenCalledTimes(1);
  });

  it("leaves a build newer than every source alone", () => {
    const build = vi.fn();
    ensureFreshBuild({ ...project(10, 60), build });
    expect(build).not.toHaveBeenCalled();
  });
});
