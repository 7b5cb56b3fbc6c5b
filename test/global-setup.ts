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

const compile = (): void => {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
};

export interface BuildCheck {
  built: string;
  sources: string;
  build: () => void;
}

/**
 * Rebuilds when the build is older than the sources. A failed build stops the whole run:
 * the end-to-end suites would otherwise pass or fail against a stale dist/.
 */
export function ensureFreshBuild({ built, sources, build }: BuildCheck): void {
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(sources)) return;
  try {
    build();
  } catch (cause) {
    throw new Error(
      `the build failed, so the end-to-end suites would run a stale ${built}; fix the compile errors above and run the tests again`,
      { cause },
    );
  }
}

/** End-to-end suites spawn the built CLI, so the build must not be older than the sources. */
export default function setup(): void {
  ensureFreshBuild({ built: "dist/cli.js", sources: "src", build: compile });
}
