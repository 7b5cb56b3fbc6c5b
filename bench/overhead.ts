import { setTimeout as sleep } from "node:timers/promises";
import { createFlyClient } from "../src/fly/client.js";
import { FLY_RATE_LIMITS } from "../src/fly/rate-limits.js";
import { startSandboxServer } from "../src/sandbox/index.js";
import { USER_AGENT } from "../src/version.js";
import { CLI, spawnClient } from "./cli-client.js";
import { callOk } from "./mcp.js";
import { type BenchResult, ms, round, summarize } from "./stats.js";

const WARMUP = 100;
const SAMPLES = 500;
const FLOOR = "bench/floor-server.mjs";
// The CLI limits each action and app to Fly's 1 req/s (burst 3, of which it uses 2) like Fly does,
// so the calls are spread over apps, two per app: none of them waits for the limiter.
const CALLS_PER_APP = 2;
// It also caps all requests to Fly together; one triple per refill of that bucket keeps every call
// from waiting for it (without the pause the loop would call about 140 times a second).
const overall = FLY_RATE_LIMITS.overall;
const PACE_MS = overall ? 1000 / overall.perSecond + 2 : 0;

/**
 * p50/p99 of apps_get three ways, interleaved: a direct call with our Fly client, the same call from
 * a one-tool SDK server (the floor: what MCP over stdio costs anyone), and through our CLI.
 */
export async function runOverhead(): Promise<BenchResult> {
  const served = await startSandboxServer({ port: 0, rateLimits: false, transitionMs: 0 });
  const direct = createFlyClient({
    baseUrl: served.url,
    token: "sandbox",
    userAgent: USER_AGENT,
    rateLimits: false,
    retry: false,
  });
  const total = WARMUP + SAMPLES;
  const apps = Array.from({ length: Math.ceil(total / CALLS_PER_APP) }, (_, i) => `bench-app-${i}`);
  for (const app of apps) {
    await direct.request({ method: "POST", path: "/apps", body: { name: app, org_slug: "personal" } });
  }

  const flyEnv = { FLY_API_HOSTNAME: served.url, FLY_API_TOKEN: "sandbox" };
  const ours = await spawnClient(CLI, ["--access", "read", "--token-scope", "org"], flyEnv);
  const floor = await spawnClient(FLOOR, [], flyEnv);
  const samples = { direct: [] as number[], floor: [] as number[], ours: [] as number[] };
  const timed = async (run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  const ways = {
    direct: (app: string) =>
      timed(() => direct.request({ method: "GET", path: `/apps/${app}`, action: "apps_get", app })),
    floor: (app: string) => timed(() => callOk(floor, "apps_get", { app_name: app })),
    ours: (app: string) => timed(() => callOk(ours, "apps_get", { app_name: app })),
  };
  const order = Object.keys(ways) as (keyof typeof ways)[];
  try {
    for (let i = 0; i < total; i++) {
      const began = performance.now();
      const app = apps[Math.floor(i / CALLS_PER_APP)]!;
      // Rotating which goes first keeps warm caches and GC from favouring one side.
      for (let k = 0; k < order.length; k++) {
        const way = order[(i + k) % order.length]!;
        const elapsed = await ways[way](app);
        if (i >= WARMUP) samples[way].push(elapsed);
      }
      await sleep(Math.max(0, PACE_MS - (performance.now() - began)));
    }
  } finally {
    await Promise.all([ours.close(), floor.close()]);
    await served.close();
  }

  const d = summarize(samples.direct);
  const f = summarize(samples.floor);
  const m = summarize(samples.ours);
  const overhead = { p50: m.p50 - d.p50, p99: m.p99 - d.p99 };
  const floorOverhead = { p50: f.p50 - d.p50, p99: f.p99 - d.p99 };
  const ratio = { p50: m.p50 / d.p50, p99: m.p99 / d.p99 };
  console.log(`\nPer-call overhead (apps_get, ${SAMPLES} interleaved triples after ${WARMUP} warm-up)`);
  console.log(`  direct call              p50 ${ms(d.p50)}  p99 ${ms(d.p99)}`);
  console.log(`  one-tool SDK server      p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  (+${ms(floorOverhead.p50)})`);
  console.log(
    `  fly-machines-mcp         p50 ${ms(m.p50)}  p99 ${ms(m.p99)}  (+${ms(overhead.p50)}, x${ratio.p50.toFixed(2)})`,
  );
  console.log(`  ours over the floor      p50 +${ms(m.p50 - f.p50)}  p99 +${ms(m.p99 - f.p99)}`);

  const r = (s: typeof d) => ({
    n: s.n,
    p50Ms: round(s.p50, 3),
    p99Ms: round(s.p99, 3),
    meanMs: round(s.mean, 3),
  });
  return {
    rows: [
      { name: "per-call: direct p50 / p99", figure: `${ms(d.p50)} / ${ms(d.p99)}`, goal: "-" },
      { name: "per-call: SDK floor p50 / p99", figure: `${ms(f.p50)} / ${ms(f.p99)}`, goal: "-" },
      { name: "per-call: MCP stdio p50 / p99", figure: `${ms(m.p50)} / ${ms(m.p99)}`, goal: "-" },
      {
        name: "per-call: p50 overhead",
        figure: `${ms(overhead.p50)} (x${ratio.p50.toFixed(2)}); p99 +${ms(overhead.p99)}`,
        goal: "<= 1 ms",
        met: overhead.p50 <= 1,
      },
      {
        name: "per-call: floor's p50 overhead",
        figure: `${ms(floorOverhead.p50)}; ours adds ${ms(m.p50 - f.p50)}`,
        goal: "-",
      },
    ],
    figures: {
      tool: "apps_get",
      direct: r(d),
      floor: r(f),
      mcp: r(m),
      overheadMs: { p50: round(overhead.p50, 3), p99: round(overhead.p99, 3) },
      floorOverheadMs: { p50: round(floorOverhead.p50, 3), p99: round(floorOverhead.p99, 3) },
      ratio: { p50: round(ratio.p50, 3), p99: round(ratio.p99, 3) },
    },
  };
}
