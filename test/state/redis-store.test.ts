import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SharedState } from "../../src/state/shared.js";
import { StoreUnavailable } from "../../src/state/store.js";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { replicaState, until } from "./support.js";

describeWithRedis("the Redis store, shared by replicas", () => {
  let redis: TestRedis;
  let a: SharedState;
  let b: SharedState;
  let c: SharedState;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b, c] = await Promise.all([
      replicaState(redis.url),
      replicaState(redis.url),
      replicaState(redis.url),
    ]);
    // Its own errors while the server is stopped on purpose are expected.
    raw = new Redis(redis.url).on("error", () => {});
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    raw?.disconnect();
    await redis?.stop();
  });

  it("is shared while Redis answers", () => {
    expect([a.store.shared, b.store.shared, c.store.shared]).toEqual([true, true, true]);
  });

  it("lets one replica claim an id; a replay at another is refused", async () => {
    expect(await a.store.setIfAbsent("used:round-trip-1", "claimed", 60_000)).toBe(true);
    expect(await b.store.setIfAbsent("used:round-trip-1", "replay", 60_000)).toBe(false);
    expect(await c.store.setIfAbsent("used:round-trip-1", "replay", 60_000)).toBe(false);
    expect(await c.store.get("used:round-trip-1")).toBe("claimed");
  });

  it("lets exactly one of many simultaneous claims win", async () => {
    const claims = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        [a, b, c][i % 3]!.store.setIfAbsent("used:race", String(i), 60_000),
      ),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("writes every value with an expiry, under the fly-mcp: namespace", async () => {
    await a.store.set("approval:7", "pending", 90_000);
    expect(await b.store.get("approval:7")).toBe("pending");
    const ttl = await raw.pttl("fly-mcp:approval:7");
    expect(ttl).toBeGreaterThan(80_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
    await a.store.setIfAbsent("used:ttl", "1", 5_000);
    expect(await raw.pttl("fly-mcp:used:ttl")).toBeGreaterThan(0);
    await expect(a.store.set("forever", "x", 0)).rejects.toThrow(RangeError);
  });

  it("lists keys under a prefix only, glob characters taken literally", async () => {
    await a.store.set("pending:1", "x", 60_000);
    await b.store.set("pending:2", "y", 60_000);
    await b.store.set("pending-other:3", "z", 60_000);
    await b.store.set("p*:4", "w", 60_000);
    await raw.set("someone-else:pending:9", "v");
    expect((await c.store.keys("pending:")).sort()).toEqual(["pending:1", "pending:2"]);
    expect(await c.store.keys("p*")).toEqual(["p*:4"]);
    await c.store.delete("pending:1");
    expect(await a.store.keys("pending:")).toEqual(["pending:2"]);
  });

  it("keeps the highest secrets version any replica saw", async () => {
    await a.secretsVersions.set("web", 12);
    expect(await b.secretsVersions.get("web")).toBe(12);
    // A late, older answer at another replica does not lower it.
    await c.secretsVersions.set("web", 9);
    expect(await a.secretsVersions.get("web")).toBe(12);
    await Promise.all(
      [a, b, c].flatMap((r, i) => [
        r.secretsVersions.set("api", 20 + i),
        r.secretsVersions.set("api", 30 - i),
      ]),
    );
    expect(await b.secretsVersions.get("api")).toBe(30);
    expect(await raw.pttl("fly-mcp:secrets-version:web")).toBeGreaterThan(0);
    await b.secretsVersions.forget("web");
    expect(await c.secretsVersions.get("web")).toBeUndefined();
  });

  it("fails closed while Redis is down and is shared again once it is back", async () => {
    await redis.stop();
    await until(() => !a.store.shared);
    await expect(a.store.setIfAbsent("used:during-outage", "1", 60_000)).rejects.toBeInstanceOf(
      StoreUnavailable,
    );
    await expect(b.store.get("used:round-trip-1")).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(c.store.keys("pending:")).rejects.toBeInstanceOf(StoreUnavailable);
    await redis.start();
    await until(() => a.store.shared && b.store.shared);
    expect(await a.store.setIfAbsent("used:after-outage", "1", 60_000)).toBe(true);
    expect(await b.store.setIfAbsent("used:after-outage", "1", 60_000)).toBe(false);
  }, 30_000);
});
