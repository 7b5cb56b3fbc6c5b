import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** End-to-end suites spawn the built CLI, so the build must not be older than the sources. */
export default function setup(): void {
  const built = "dist/cli.js";
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource("src")) return;
  try {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
  } catch {
    // The suites that spawn dist/cli.js fail on their own; the others still run.
    process.stderr.write("global setup: the build failed; end-to-end suites will use the previous dist/\n");
  }
}
