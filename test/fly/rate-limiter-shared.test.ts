import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FlyRequest } from "../../src/fly/client.js";
import { createRateLimiter, type SharedLimits, shareOf } from "../../src/fly/rate-limiter.js";
import type { SharedBucket } from "../../src/state/shared-buckets.js";
import { StoreUnavailable } from "../../src/state/store.js";
import { APP, M, settle, useFakeClock, write } from "./support.js";

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const start: FlyRequest = { ...write, app: APP, path: `/apps/${APP}/machines/${M}/start` };

/** Shared buckets whose reachability the test switches; records what was reserved. */
function fakeShared(answer: (buckets: SharedBucket[]) => number | Error = () => 0) {
  let up = true;
  const reserved: SharedBucket[][] = [];
  const drained: SharedBucket[] = [];
  const shared: SharedLimits = {
    replicas: 3,
    buckets: {
      get up() {
        return up;
      },
      async reserve(buckets) {
        reserved.push(buckets);
        const result = answer(buckets);
        if (result instanceof Error) throw result;
        return result;
      },
      async drain(bucket) {
        drained.push(bucket);
      },
    },
  };
  const setUp = (value: boolean) => {
    up = value;
  };
  return { shared, reserved, drained, setUp };
}

/** When each call was let go, on the fake clock, from the first call on. */
async function releaseTimes(acquire: () => Promise<void>, count: number): Promise<number[]> {
  const t0 = performance.now();
  const times: number[] = [];
  await settle(
    Promise.all(
      Array.from({ length: count }, () => acquire().then(() => times.push(performance.now() - t0))),
    ),
  );
  return times.sort((a, b) => a - b);
}

describe("shareOf", () => {
  it("divides rate and burst, keeping at least one call", () => {
    expect(shareOf({ perSecond: 1, burst: 3 }, 3)).toEqual({ perSecond: 1 / 3, burst: 1 });
    expect(shareOf({ perSecond: 5, burst: 10 }, 3)).toEqual({ perSecond: 5 / 3, burst: 3 });
    expect(shareOf({ perSecond: 20, burst: 40 }, 3)).toEqual({ perSecond: 20 / 3, burst: 13 });
  });
});

describe("the limiter with buckets shared through Redis", () => {
  it("reserves each call in the action's bucket and the overall one, at Fly's full limits", async () => {
    const fake = fakeShared();
    const limiter = createRateLimiter({}, fake.shared);
    await settle(limiter.acquire(start));
    expect(fake.reserved).toEqual([
      [
        { key: `machines_start\n${APP}/${M}`, rule: { perSecond: 1, burst: 3 } },
        { key: "overall", rule: { perSecond: 20, burst: 40 } },
      ],
    ]);
  });

  it("holds a call for the wait the shared bucket names", async () => {
    const fake = fakeShared(() => 2_000);
    const limiter = createRateLimiter({}, fake.shared);
    const times = await releaseTimes(() => limiter.acquire(start), 1);
    expect(times[0]).toBeGreaterThanOrEqual(2_000);
    expect(times[0]).toBeLessThan(2_100);
  });

  it("refuses at once when the shared bucket has no turn within the call's time, sending nothing", async () => {
    const fake = fakeShared(() => Number.NaN);
    const limiter = createRateLimiter(
      {},
      { ...fake.shared, buckets: { ...fake.shared.buckets, reserve: async () => undefined } },
    );
    await expect(settle(limiter.acquire(start))).rejects.toMatchObject({
      details: { kind: "rate_limited_locally" },
    });
  });

  it("while Redis is down, keeps to a third of Fly's limits locally and asks Redis nothing", async () => {
    const fake = fakeShared();
    fake.setUp(false);
    const limiter = createRateLimiter({}, fake.shared);
    // 1/s with a burst of 3, shared by 3 replicas: one at once, then one every 3 s.
    const times = await releaseTimes(() => limiter.acquire(start), 3);
    expect(times[0]).toBe(0);
    expect(times[1]).toBeGreaterThanOrEqual(3_000);
    expect(times[1]).toBeLessThan(3_100);
    expect(times[2]).toBeGreaterThanOrEqual(6_000);
    expect(times[2]).toBeLessThan(6_100);
    expect(fake.reserved).toEqual([]);
  });

  it("a call whose Redis reservation fails goes on under the local share instead of failing", async () => {
    const fake = fakeShared(() => new StoreUnavailable("connection lost"));
    const limiter = createRateLimiter({}, fake.shared);
    const times = await releaseTimes(() => limiter.acquire(start), 2);
    expect(fake.reserved).toHaveLength(2);
    expect(times[0]).toBe(0);
    // Its share allows one call at once, the next one 3 s later.
    expect(times[1]).toBeGreaterThanOrEqual(3_000);
  });

  it("goes back to the shared buckets and full local limits when Redis is back", async () => {
    const fake = fakeShared();
    fake.setUp(false);
    const limiter = createRateLimiter({}, fake.shared);
    await settle(limiter.acquire(start));
    fake.setUp(true);
    await settle(new Promise((resolve) => setTimeout(resolve, 3_000)));
    const times = await releaseTimes(() => limiter.acquire(start), 3);
    expect(times).toEqual([0, 0, 0]);
    expect(fake.reserved).toHaveLength(3);
  });

  it("tells the shared bucket when Fly answered 429", () => {
    const fake = fakeShared();
    const limiter = createRateLimiter({}, fake.shared);
    limiter.refused(start);
    expect(fake.drained).toEqual([{ key: `machines_start\n${APP}/${M}`, rule: { perSecond: 1, burst: 3 } }]);
  });
});
