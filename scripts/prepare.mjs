// Builds dist/ when npm installs from a folder or a git URL. npm runs a global install's prepare
// without the devDependencies it promises (npm/cli#8440), so fetch them first when they are missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const run = (args) => execFileSync(npm, args, { stdio: "inherit", shell: process.platform === "win32" });

if (!existsSync("node_modules/typescript")) {
  run(["install", "--global=false", `--prefix=${process.cwd()}`, "--include=dev", "--ignore-scripts", "--no-save", "--no-audit", "--no-fund"]);
}
run(["run", "build"]);
