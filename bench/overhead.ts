import { createFlyClient } from "../src/fly/client.js";
import { startSandboxServer } from "../src/sandbox/index.js";
import { USER_AGENT } from "../src/version.js";
import { CLI, spawnClient } from "./cli-client.js";
import { callOk } from "./mcp.js";
import { type BenchResult, ms, round, summarize } from "./stats.js";

const WARMUP = 100;
const SAMPLES = 500;
// The CLI limits each action and app to Fly's 1 req/s (burst 3, of which it uses 2) like Fly does,
// so the calls are spread over apps, two per app: none of them waits for the limiter.
const CALLS_PER_APP = 2;

/** p50/p99 of apps_get through the built CLI over stdio against a direct ky call, interleaved. */
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

  const client = await spawnClient(CLI, ["--access", "read", "--token-scope", "org"], {
    FLY_API_HOSTNAME: served.url,
    FLY_API_TOKEN: "sandbox",
  });
  const directMs: number[] = [];
  const mcpMs: number[] = [];
  const timeDirect = async (app: string) => {
    const t = performance.now();
    await direct.request({ method: "GET", path: `/apps/${app}`, action: "apps_get", app });
    return performance.now() - t;
  };
  const timeMcp = async (app: string) => {
    const t = performance.now();
    await callOk(client, "apps_get", { app_name: app });
    return performance.now() - t;
  };
  try {
    for (let i = 0; i < total; i++) {
      const app = apps[Math.floor(i / CALLS_PER_APP)]!;
      // Alternating which goes first keeps warm caches and GC from favouring one side.
      let d: number;
      let m: number;
      if (i % 2 === 0) {
        d = await timeDirect(app);
        m = await timeMcp(app);
      } else {
        m = await timeMcp(app);
        d = await timeDirect(app);
      }
      if (i >= WARMUP) {
        directMs.push(d);
        mcpMs.push(m);
      }
    }
  } finally {
    await client.close();
    await served.close();
  }

  const d = summarize(directMs);
  const m = summarize(mcpMs);
  const overhead = { p50: m.p50 - d.p50, p99: m.p99 - d.p99 };
  const ratio = { p50: m.p50 / d.p50, p99: m.p99 / d.p99 };
  console.log(`\nPer-call overhead (apps_get, ${SAMPLES} interleaved pairs after ${WARMUP} warm-up)`);
  console.log(`  direct ky call   p50 ${ms(d.p50)}  p99 ${ms(d.p99)}`);
  console.log(`  MCP over stdio   p50 ${ms(m.p50)}  p99 ${ms(m.p99)}`);
  console.log(`  overhead         p50 ${ms(overhead.p50)} (x${ratio.p50.toFixed(2)})  p99 ${ms(overhead.p99)} (x${ratio.p99.toFixed(2)})`);

  const r = (s: typeof d) => ({ n: s.n, p50Ms: round(s.p50, 3), p99Ms: round(s.p99, 3), meanMs: round(s.mean, 3) });
  return {
    rows: [
      { name: "per-call: direct p50 / p99", figure: `${ms(d.p50)} / ${ms(d.p99)}`, goal: "-" },
      { name: "per-call: MCP stdio p50 / p99", figure: `${ms(m.p50)} / ${ms(m.p99)}`, goal: "-" },
      {
        name: "per-call: p50 overhead",
        figure: `${ms(overhead.p50)} (x${ratio.p50.toFixed(2)}); p99 +${ms(overhead.p99)}`,
        goal: "<= 1 ms",
        met: overhead.p50 <= 1,
      },
    ],
    figures: {
      tool: "apps_get",
      direct: r(d),
      mcp: r(m),
      overheadMs: { p50: round(overhead.p50, 3), p99: round(overhead.p99, 3) },
      ratio: { p50: round(ratio.p50, 3), p99: round(ratio.p99, 3) },
    },
  };
}
