import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { StoreUnavailable } from "../../src/state/store.js";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { capturingLogger, type Replica, replica, strictFly, until } from "./support.js";

const APP = "demo-app";
const start = (machine: string) => ({
  name: "machines_start",
  arguments: { app_name: APP, machine_id: machine },
});

describeWithRedis("Redis stopped and started under a running replica", () => {
  let redis: TestRedis;
  let r: Replica;
  const fly = strictFly(1, 3);
  const { logger, lines } = capturingLogger();
  const said = (text: string) => lines.filter((l) => l.msg.includes(text)).length;
  let calls = 0;
  const callOk = async (machine: string) => {
    calls++;
    const result = await r.client.callTool(start(machine));
    expect(result.isError).toBeFalsy();
  };

  beforeAll(async () => {
    redis = await startRedis();
    r = await replica(fly.fetch, redis.url, logger);
  }, 30_000);

  afterAll(async () => {
    await r?.close();
    await redis?.stop();
  });

  it("goes on with local limits, refuses single-use claims, logs each switch once, and shares again", async () => {
    expect(r.state.store.shared).toBe(true);
    await callOk("3d8d413b29d089");
    expect(said("Redis connected")).toBe(1);
    expect(lines.some((l) => l.msg.includes("1/3 of Fly's rate limits"))).toBe(true);

    await redis.stop();
    await until(() => !r.state.store.shared);
    // Calls go on, at this replica's share: 1/s burst 3 divided by 3 lets one start now, the next 3 s later.
    const started = performance.now();
    await Promise.all([callOk("148e272b7ed089"), callOk("148e272b7ed089")]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_900);
    await callOk("e2865013b7e078");
    // A single-use claim cannot be checked, so it is refused, with a message saying why.
    const claim = r.state.store.setIfAbsent("used:confirmation-1", "1", 60_000);
    await expect(claim).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(claim).rejects.toThrow(/Redis\) cannot be reached/);
    // Secrets versions fall back to what this process wrote.
    await r.state.secretsVersions.set("web", 4);
    expect(await r.state.secretsVersions.get("web")).toBe(4);

    await redis.start();
    await until(() => r.state.store.shared);
    await callOk("3d8d413b29d089");
    const raw = new Redis(redis.url);
    try {
      expect((await raw.keys("fly-mcp:rate:*")).length).toBeGreaterThan(0);
    } finally {
      raw.disconnect();
    }
    expect(await r.state.store.setIfAbsent("used:confirmation-1", "1", 60_000)).toBe(true);

    expect(said("Redis unreachable")).toBe(1);
    expect(said("Redis reachable again")).toBe(1);
    expect(fly.tooMany()).toBe(0);
    // Not one audit line lost: each call has its line before and after, Redis or not.
    const audited = (event: string) => r.audit.entries.filter((e) => e.event === event).length;
    expect([audited("tool_call"), audited("tool_result")]).toEqual([calls, calls]);
  }, 40_000);
});
