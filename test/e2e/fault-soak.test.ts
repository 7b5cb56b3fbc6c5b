import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { connect, fullAccess, memoryAudit, textOf } from "../support/harness.js";

const CALLS = 3000;
const FAULT_SHARE = 0.2;

const heapMb = () => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

describe("fault soak", () => {
  it(`${CALLS} calls with ${FAULT_SHARE * 100}% of Fly's answers failing: every call is answered, the heap stays flat`, async () => {
    const sandbox = createSandbox({
      transitionMs: 0,
      rateLimits: false,
      faults: { share: FAULT_SHARE, kinds: ["5xx", "reset", "malformed", "slow"], slowMs: 5, seed: 7 },
    });
    // Counts what Fly was asked and how often it failed, so the soak proves the faults happened.
    const seen = { requests: 0, failed: 0 };
    const countingFetch: typeof sandbox.fetch = async (input, init) => {
      seen.requests += 1;
      const res = await sandbox.fetch(input, init).catch((error: unknown) => {
        seen.failed += 1;
        throw error;
      });
      if (res.status >= 500) seen.failed += 1;
      return res;
    };
    const fly = createFlyClient({
      baseUrl: "http://sandbox.local",
      token: "sandbox",
      fetch: countingFetch,
      userAgent: USER_AGENT,
      rateLimits: false,
      retry: { baseDelayMs: 1, maxDelayMs: 4 },
    });
    const client = await connect(
      createServer({
        tools: coreTools,
        fly,
        access: fullAccess(),
        audit: memoryAudit(),
        logger: silentLogger(),
      }),
    );
    const machineId = [...sandbox.store.app("demo-app")!.machines.values()].find(
      (m) => m.state === "started",
    )!.id;

    const calls: Array<[string, Record<string, unknown>]> = [
      ["apps_get", { app_name: "demo-app" }],
      ["machines_list", { app_name: "demo-app" }],
      ["machines_get", { app_name: "demo-app", machine_id: machineId }],
      ["secrets_list", { app_name: "demo-app" }],
      ["machines_signal", { app_name: "demo-app", machine_id: machineId, signal: "SIGHUP" }],
    ];
    const outcomes = { ok: 0, error: 0, unknownWrite: 0 };
    const samples: number[] = [];
    const batch = 50;
    for (let i = 0; i < CALLS; i += batch) {
      const results = await Promise.all(
        Array.from({ length: batch }, (_, j) => {
          const [name, args] = calls[(i + j) % calls.length]!;
          return client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
        }),
      );
      results.forEach((r, j) => {
        const [name] = calls[(i + j) % calls.length]!;
        const text = textOf(r);
        expect(text.trim()).not.toBe("");
        if (!r.isError) outcomes.ok += 1;
        else {
          outcomes.error += 1;
          expect(text).toMatch(/Next step:/);
          if (text.includes("may or may not have taken effect")) {
            // Only a write can have an unknown outcome; a failed read changed nothing.
            expect(name).toBe("machines_signal");
            outcomes.unknownWrite += 1;
          }
        }
      });
      if (i % 500 === 0) samples.push(heapMb());
    }
    samples.push(heapMb());

    // The faults were really injected, and reads were tried again after them.
    expect(seen.failed).toBeGreaterThan(CALLS * FAULT_SHARE * 0.25);
    expect(seen.requests).toBeGreaterThan(CALLS + seen.failed / 2);
    expect(outcomes.error).toBeGreaterThan(0);
    // Reads recover through retries, so most calls succeed despite one answer in five failing.
    expect(outcomes.ok / CALLS).toBeGreaterThan(0.8);
    // The heap after warm-up may wobble, but must not climb with the number of calls.
    const warm = samples[1]!;
    expect(samples.at(-1)!).toBeLessThan(warm + 40);
    process.stdout.write(
      `fault soak: ${CALLS} calls, ${outcomes.ok} ok, ${outcomes.error} errors (${outcomes.unknownWrite} writes with unknown outcome); heap MB ${samples.map((s) => s.toFixed(1)).join(" -> ")}\n`,
    );
    await client.close();
    // 3,000 calls: on a busy 2-core machine this runs past the default 20 s.
  }, 120_000);
});
