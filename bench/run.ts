// Runs the benchmarks in turn, prints a summary table and writes bench/results.json.
// `npm run bench -- context burst` runs only the named ones.
import { writeFileSync } from "node:fs";
import os from "node:os";
import { runBurst } from "./burst.js";
import { runColdStart } from "./cold-start.js";
import { runContext } from "./context.js";
import { runHttpThroughput } from "./http-throughput.js";
import { runOAuth } from "./oauth.js";
import { runOverhead } from "./overhead.js";
import { runSharedState } from "./shared-state.js";
import type { BenchResult, Row } from "./stats.js";

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  context: runContext,
  overhead: runOverhead,
  "cold-start": runColdStart,
  "http-throughput": runHttpThroughput,
  burst: runBurst,
  oauth: runOAuth,
  "shared-state": runSharedState,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(", ")}; choose from ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}
const selected = Object.entries(BENCHES).filter(([name]) => wanted.length === 0 || wanted.includes(name));

const cpus = os.cpus();
const machine = {
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cores: cpus.length,
  cpuModel: cpus[0]?.model.trim() ?? "unknown",
  memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
};
console.log(
  `fly-machines-mcp benchmarks: ${machine.cores} cores (${machine.cpuModel}), node ${machine.node}`,
);

const started = performance.now();
const rows: Row[] = [];
const figures: Record<string, unknown> = {};
for (const [name, run] of selected) {
  const t = performance.now();
  const result = await run();
  rows.push(...result.rows);
  figures[name] = { ...result.figures, benchSeconds: Number(((performance.now() - t) / 1000).toFixed(1)) };
}
const totalSeconds = (performance.now() - started) / 1000;

const verdict = (met: boolean | undefined) => (met === undefined ? "" : met ? "yes" : "NO");
const table = [
  ["benchmark", "figure", "goal", "met?"],
  ...rows.map((r) => [r.name, r.figure, r.goal, verdict(r.met)]),
];
const widths = table[0]!.map((_, col) => Math.max(...table.map((line) => line[col]!.length)));
const format = (line: string[]) =>
  line
    .map((cell, col) => cell.padEnd(widths[col]!))
    .join("  ")
    .trimEnd();
console.log(`\n${format(table[0]!)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
for (const line of table.slice(1)) console.log(format(line));
console.log(
  `\n${rows.filter((r) => r.met === false).length} goal(s) missed; benchmarks took ${totalSeconds.toFixed(0)} s`,
);

const results = {
  date: new Date().toISOString(),
  machine,
  totalSeconds: Number(totalSeconds.toFixed(1)),
  // Other work on the machine moves the timings; this says how busy it was by the end.
  loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
  summary: rows,
  figures,
};
// A partial run keeps the figures of the benchmarks it skipped out of the file rather than mixing runs.
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/results.json");
// Lingering keep-alive sockets and limiter timers would otherwise hold the process open.
process.exit(0);
