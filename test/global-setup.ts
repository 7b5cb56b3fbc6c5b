import { execFileSync } from "node:child_process";

/** End-to-end suites spawn the built CLI, so every run tests a fresh build of the sources. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
