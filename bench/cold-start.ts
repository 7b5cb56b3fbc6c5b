import { execFileSync } from "node:child_process";
import { CLI, spawnClient } from "./cli-client.js";
import { type BenchResult, median, ms, round } from "./stats.js";

const RUNS = 15;
const PROFILE_RUNS = 5;
const FLOOR = "bench/floor-server.mjs";

async function timeToInitialize(script: string, args: string[]): Promise<number> {
  const started = performance.now();
  const client = await spawnClient(script, args);
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

/** Median per step of bench/startup-profile.mjs over fresh processes. */
function startupSteps(): Record<string, number> {
  const runs = Array.from({ length: PROFILE_RUNS }, () => {
    const out = execFileSync(process.execPath, ["bench/startup-profile.mjs"], { encoding: "utf8" });
    return JSON.parse(out) as Record<string, number>;
  });
  return Object.fromEntries(
    Object.keys(runs[0]!).map((step) => [step, round(median(runs.map((r) => r[step]!)), 1)]),
  );
}

/** Spawn until `initialize` is answered: our CLI in sandbox mode against a one-tool floor, interleaved. */
export async function runColdStart(): Promise<BenchResult> {
  // One unmeasured start each fills the OS file cache.
  await timeToInitialize(CLI, ["--sandbox"]);
  await timeToInitialize(FLOOR, []);
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i % 2 === 0) {
      ours.push(await timeToInitialize(CLI, ["--sandbox"]));
      floor.push(await timeToInitialize(FLOOR, []));
    } else {
      floor.push(await timeToInitialize(FLOOR, []));
      ours.push(await timeToInitialize(CLI, ["--sandbox"]));
    }
  }
  const oursMs = median(ours);
  const floorMs = median(floor);
  const ratio = oursMs / floorMs;

  const steps = startupSteps();

  console.log(`\nCold start (spawn to initialize answered, median of ${RUNS}, interleaved)`);
  console.log(`  node dist/cli.js --sandbox   ${ms(oursMs)}`);
  console.log(`  floor (one-tool SDK server)  ${ms(floorMs)}`);
  console.log(`  ratio                        x${ratio.toFixed(2)}`);
  console.log(`  where the CLI's start-up goes (marginal ms, median of ${PROFILE_RUNS} fresh processes):`);
  for (const [step, t] of Object.entries(steps)) console.log(`    ${step.padEnd(50)} ${ms(t)}`);

  return {
    rows: [
      { name: "cold start: ours / floor", figure: `${ms(oursMs)} / ${ms(floorMs)}`, goal: "-" },
      {
        name: "cold start: ratio to floor",
        figure: `x${ratio.toFixed(2)}`,
        goal: "<= x1.5",
        met: ratio <= 1.5,
      },
    ],
    figures: {
      runs: RUNS,
      oursMedianMs: round(oursMs, 1),
      floorMedianMs: round(floorMs, 1),
      ratio: round(ratio, 3),
      oursMs: ours.map((t) => round(t, 1)),
      floorMs: floor.map((t) => round(t, 1)),
      startupStepsMs: steps,
    },
  };
}
