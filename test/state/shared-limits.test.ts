import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { type Replica, replica, strictFly } from "./support.js";

const APP = "demo-app";
const MACHINE = "3d8d413b29d089";
// Fly's limit for a machine action: 1 req/s, burst 3. Six calls need at least (6 - 3) / 1 = 3 s.
const CALLS = 6;
const MINIMUM_MS = 3_000;

/** A burst of starts on one machine, dealt round-robin to the replicas; total time from the first. */
async function burst(replicas: Replica[], expectOk = true): Promise<number> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: CALLS }, (_, i) =>
      replicas[i % replicas.length]!.client.callTool({
        name: "machines_start",
        arguments: { app_name: APP, machine_id: MACHINE },
      }),
    ),
  );
  if (expectOk) for (const result of results) expect(result.isError).toBeFalsy();
  return performance.now() - started;
}

/** Each replica loads its HTTP client with one call to another machine first, so the burst measures waiting only. */
async function warm(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map((r, i) =>
      r.client.callTool({
        name: "machines_get",
        arguments: { app_name: APP, machine_id: `warm0000000${i}` },
      }),
    ),
  );
}

describeWithRedis("Fly's rate limits shared by three replicas through Redis", () => {
  let redis: TestRedis;
  const open: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(open.map((r) => r.close()));
    await redis?.stop();
  });

  it("a burst of writes on one machine spread over them meets no 429 and takes the minimum time", async () => {
    const fly = strictFly(1, 3);
    const replicas = await Promise.all([1, 2, 3].map(() => replica(fly.fetch, redis.url)));
    open.push(...replicas);
    await warm(replicas);
    const totalMs = await burst(replicas);
    expect(fly.tooMany()).toBe(0);
    expect(fly.statuses.length).toBe(CALLS + 3);
    expect(totalMs).toBeGreaterThanOrEqual(MINIMUM_MS - 50);
    expect(totalMs).toBeLessThanOrEqual(MINIMUM_MS * 1.1);
    // Every call was audited where it was made, before and after.
    const lines = (r: Replica, event: string) =>
      r.audit.entries.filter((e) => e.tool === "machines_start" && e.event === event).length;
    expect(replicas.map((r) => [lines(r, "tool_call"), lines(r, "tool_result")])).toEqual([
      [2, 2],
      [2, 2],
      [2, 2],
    ]);
  }, 30_000);

  it("the same burst without Redis sends Fly more than it allows", async () => {
    const fly = strictFly(1, 3);
    const replicas = await Promise.all([1, 2, 3].map(() => replica(fly.fetch)));
    open.push(...replicas);
    await warm(replicas);
    await burst(replicas, false);
    expect(fly.tooMany()).toBeGreaterThan(0);
  }, 30_000);
});
