// Shared state on Redis: what it adds per call, and three replicas' burst on one machine with and
// without it. Needs redis-server on PATH (started on a free loopback port, stopped after).
import { createFlyClient } from "../src/fly/client.js";
import { createRateLimiter } from "../src/fly/rate-limiter.js";
import { silentLogger } from "../src/log.js";
import { createAccessControl, policyFromFlags } from "../src/policy/index.js";
import { createServer } from "../src/server.js";
import { createSharedState, type SharedState } from "../src/state/shared.js";
import { memoryStore } from "../src/state/store.js";
import { coreTools } from "../src/tools/index.js";
import { USER_AGENT } from "../src/version.js";
import { findRedisServer, startRedis } from "../test/support/redis-server.js";
import { connectInMemory } from "./mcp.js";
import { type BenchResult, ms, type Row, round, summarize } from "./stats.js";

const SAMPLES = 2_000;
const BURST_CALLS = 12;
// Fly's limit for a machine action: 1 req/s, burst 3.
const MINIMUM_MS = (BURST_CALLS - 3) * 1000;

/** Per call: a limiter slot for a call that never waits (a new machine each time), and a single-use claim. */
async function perCall(state: SharedState | undefined) {
  // Limits far above the pace here: only the bookkeeping is measured, never a wait.
  const roomy = { perSecond: 1e9, burst: 1e9 };
  const limiter = createRateLimiter({ default: roomy, overall: roomy }, state?.limits);
  const store = state?.store ?? memoryStore();
  const acquire: number[] = [];
  const claim: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const call = { method: "POST", path: `/apps/a/machines/m${i}/start`, action: "machines_start", app: "a" };
    let t = performance.now();
    await limiter.acquire(call);
    acquire.push(performance.now() - t);
    t = performance.now();
    await store.setIfAbsent(`used:${i}`, "1", 60_000);
    claim.push(performance.now() - t);
  }
  return { acquire: summarize(acquire), claim: summarize(claim) };
}

/** Fly's side: a token bucket per path, 429 when empty. */
function strictFly() {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let tooMany = 0;
  let requests = 0;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    const now = performance.now();
    const b = buckets.get(path) ?? { tokens: 3, at: now };
    b.tokens = Math.min(3, b.tokens + (now - b.at) / 1000);
    b.at = now;
    buckets.set(path, b);
    requests++;
    if (b.tokens < 1) {
      tooMany++;
      return Response.json({ error: "rate limited" }, { status: 429 });
    }
    b.tokens -= 1;
    return Response.json({ ok: true });
  };
  return { fetch, counts: () => ({ requests, tooMany }) };
}

/** Three in-process replicas, each with its own Fly client and limiter, the calls dealt round-robin. */
async function replicaBurst(redisUrl: string | undefined) {
  const fly = strictFly();
  const access = createAccessControl({
    scope: "org",
    policy: policyFromFlags({ access: "all", destructive: "allow" }),
  });
  const replicas = await Promise.all(
    [1, 2, 3].map(async () => {
      const state = await createSharedState({ redisUrl, replicas: 3, logger: silentLogger() });
      const client = createFlyClient({
        baseUrl: "http://fly.test",
        userAgent: USER_AGENT,
        fetch: fly.fetch,
        sharedLimits: state.limits,
      });
      const mcp = await connectInMemory(
        createServer({
          tools: coreTools,
          fly: client,
          access,
          audit: { record: () => {} },
          logger: silentLogger(),
        }),
      );
      return { state, mcp };
    }),
  );
  // Loads each client's HTTP library before the clock starts.
  await Promise.all(
    replicas.map((r, i) =>
      r.mcp.callTool({ name: "machines_get", arguments: { app_name: "a", machine_id: `warm${i}` } }),
    ),
  );
  const before = fly.counts();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: BURST_CALLS }, (_, i) =>
      replicas[i % 3]!.mcp.callTool({
        name: "machines_start",
        arguments: { app_name: "a", machine_id: "3d8d413b29d089" },
      }),
    ),
  );
  const totalMs = performance.now() - started;
  const failed = results.filter((r) => r.isError).length;
  const after = fly.counts();
  await Promise.all(
    replicas.map(async (r) => {
      await r.mcp.close();
      await r.state.close();
    }),
  );
  return {
    totalMs,
    failed,
    requests: after.requests - before.requests,
    tooMany: after.tooMany - before.tooMany,
  };
}

export async function runSharedState(): Promise<BenchResult> {
  if (!findRedisServer()) {
    console.log("\nShared state: SKIPPED, redis-server is not on PATH (apt-get install redis-server)");
    return {
      rows: [{ name: "shared state on Redis", figure: "skipped: no redis-server", goal: "" }],
      figures: {},
    };
  }
  const redis = await startRedis();
  try {
    const memory = await perCall(undefined);
    const state = await createSharedState({ redisUrl: redis.url, replicas: 3, logger: silentLogger() });
    const shared = await perCall(state);
    await state.close();
    const withRedis = await replicaBurst(redis.url);
    const without = await replicaBurst(undefined);

    const added = shared.acquire.p50 - memory.acquire.p50;
    console.log(`\nShared state (${SAMPLES} calls each; Redis ${redis.url} on loopback)`);
    console.log(
      `  rate-limit slot p50/p99: in memory ${ms(memory.acquire.p50)} / ${ms(memory.acquire.p99)}, Redis ${ms(shared.acquire.p50)} / ${ms(shared.acquire.p99)}`,
    );
    console.log(
      `  single-use claim p50/p99: in memory ${ms(memory.claim.p50)} / ${ms(memory.claim.p99)}, Redis ${ms(shared.claim.p50)} / ${ms(shared.claim.p99)}`,
    );
    const burstLine = (label: string, b: typeof withRedis) =>
      `  ${label}: ${(b.totalMs / 1000).toFixed(2)} s against the minimum ${MINIMUM_MS / 1000} s (x${(b.totalMs / MINIMUM_MS).toFixed(3)}), ${b.tooMany} of ${b.requests} upstream requests answered 429, ${b.failed} calls failed`;
    console.log(`\n3 replicas, ${BURST_CALLS} parallel machines_start on one machine (Fly: 1/s, burst 3)`);
    console.log(burstLine("sharing Redis", withRedis));
    console.log(burstLine("without Redis", without));

    const rows: Row[] = [
      {
        name: "shared state: rate-limit slot p50, memory / Redis",
        figure: `${ms(memory.acquire.p50)} / ${ms(shared.acquire.p50)} (+${ms(added)})`,
        goal: "",
      },
      {
        name: "shared state: single-use claim p50, memory / Redis",
        figure: `${ms(memory.claim.p50)} / ${ms(shared.claim.p50)}`,
        goal: "",
      },
      {
        name: `3 replicas + Redis: ${BURST_CALLS} writes, total / minimum`,
        figure: `${(withRedis.totalMs / 1000).toFixed(2)} s / ${MINIMUM_MS / 1000} s (x${(withRedis.totalMs / MINIMUM_MS).toFixed(3)})`,
        goal: "<= x1.1",
        met: withRedis.totalMs <= MINIMUM_MS * 1.1,
      },
      {
        name: "3 replicas + Redis: upstream 429s",
        figure: `${withRedis.tooMany} of ${withRedis.requests} requests`,
        goal: "0",
        met: withRedis.tooMany === 0,
      },
      {
        name: "3 replicas, no Redis: upstream 429s",
        figure: `${without.tooMany} of ${without.requests} requests; ${without.failed} of ${BURST_CALLS} calls failed`,
        goal: "(baseline)",
      },
    ];
    return {
      rows,
      figures: {
        samples: SAMPLES,
        acquireMemory: { p50: round(memory.acquire.p50, 3), p99: round(memory.acquire.p99, 3) },
        acquireRedis: { p50: round(shared.acquire.p50, 3), p99: round(shared.acquire.p99, 3) },
        claimMemory: { p50: round(memory.claim.p50, 3), p99: round(memory.claim.p99, 3) },
        claimRedis: { p50: round(shared.claim.p50, 3), p99: round(shared.claim.p99, 3) },
        burstWithRedis: { ...withRedis, totalMs: round(withRedis.totalMs, 0), minimumMs: MINIMUM_MS },
        burstWithoutRedis: { ...without, totalMs: round(without.totalMs, 0) },
      },
    };
  } finally {
    await redis.stop();
  }
}
