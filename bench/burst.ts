import { createFlyClient } from "../src/fly/client.js";
import { silentLogger } from "../src/log.js";
import { createAccessControl, policyFromFlags } from "../src/policy/index.js";
import { createSandbox } from "../src/sandbox/index.js";
import { createServer } from "../src/server.js";
import { coreTools } from "../src/tools/index.js";
import { USER_AGENT } from "../src/version.js";
import { callOk, connectInMemory } from "./mcp.js";
import { type BenchResult, round } from "./stats.js";

const CALLS = 30;
// Fly's published limit for a machine action: 1 req/s with a burst of 3.
const PER_SECOND = 1;
const BURST = 3;

/** 30 parallel signals to one machine, client-side limits on, against a sandbox enforcing Fly's limits. */
export async function runBurst(): Promise<BenchResult> {
  const sandbox = createSandbox({ rateLimits: true, transitionMs: 0 });
  let upstream = 0;
  let tooMany = 0;
  // Counting at the fetch sees every attempt, retries included.
  const countingFetch: typeof fetch = async (input, init) => {
    upstream++;
    const res = await sandbox.fetch(input, init);
    if (res.status === 429) tooMany++;
    return res;
  };
  const fly = createFlyClient({
    baseUrl: "http://sandbox.local",
    token: "sandbox",
    fetch: countingFetch,
    userAgent: USER_AGENT,
  });
  const access = createAccessControl({
    scope: "org",
    policy: policyFromFlags({ access: "all", destructive: "allow" }),
  });
  const client = await connectInMemory(
    createServer({ tools: coreTools, fly, access, audit: { record: () => {} }, logger: silentLogger() }),
  );
  const machineId = [...sandbox.store.apps.get("demo-app")!.machines.values()].find(
    (m) => m.name === "demo-web",
  )!.id;

  const started = performance.now();
  await Promise.all(
    Array.from({ length: CALLS }, () =>
      callOk(client, "machines_signal", { app_name: "demo-app", machine_id: machineId, signal: "SIGHUP" }),
    ),
  );
  const totalMs = performance.now() - started;
  await client.close();

  const minimumMs = ((CALLS - BURST) / PER_SECOND) * 1000;
  const ratio = totalMs / minimumMs;
  console.log(
    `\nRate-limit burst (${CALLS} parallel machines_signal on one machine; Fly: ${PER_SECOND}/s, burst ${BURST})`,
  );
  console.log(
    `  total ${(totalMs / 1000).toFixed(2)} s, minimum ${(minimumMs / 1000).toFixed(0)} s, x${ratio.toFixed(3)}`,
  );
  console.log(`  upstream requests ${upstream}, of which 429: ${tooMany}`);
  return {
    rows: [
      {
        name: "burst: 30 calls, total / minimum",
        figure: `${(totalMs / 1000).toFixed(2)} s / ${minimumMs / 1000} s (x${ratio.toFixed(3)})`,
        goal: "<= x1.1",
        met: ratio <= 1.1,
      },
      {
        name: "burst: upstream 429s",
        figure: `${tooMany} of ${upstream} requests`,
        goal: "0",
        met: tooMany === 0,
      },
    ],
    figures: {
      calls: CALLS,
      totalMs: round(totalMs, 0),
      minimumMs,
      ratio: round(ratio, 3),
      upstreamRequests: upstream,
      upstream429: tooMany,
    },
  };
}
