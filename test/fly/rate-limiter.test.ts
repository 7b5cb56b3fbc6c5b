import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FlyRequest } from "../../src/fly/client.js";
import { describeFlyError } from "../../src/fly/errors.js";
import { createRateLimiter } from "../../src/fly/rate-limiter.js";
import {
  FLY_RATE_LIMITS,
  type RateLimitConfig,
  bucketKey,
  resolveRateLimits,
  ruleFor,
} from "../../src/fly/rate-limits.js";
import { createFlyMock } from "../support/fly-mock.js";
import { APP, M, M2, client, delay, failure, json, read, write } from "./support.js";

const fly = createFlyMock();
beforeAll(async () => {
  fly.start();
  // The worker's first request through msw arrives ~25 ms late, which would start a strict
  // bucket's clock that much after ours; the tests measure the limiter, not that cold start.
  await client().request(write);
  fly.reset();
});
afterEach(() => fly.reset());
afterAll(() => fly.stop());

const limited = (limits: Partial<RateLimitConfig>) => client({ rateLimits: limits, retry: false });
const start = (machine: string, app = APP): FlyRequest => ({
  ...write,
  app,
  path: `/apps/${app}/machines/${machine}/start`,
});

/**
 * Fly's side: a continuous token bucket per path that answers 429 when it is empty. The small
 * tolerance absorbs the few milliseconds between our send and msw seeing the request.
 */
function strictBucket(perSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const statuses: number[] = [];
  const arrivals: number[] = [];
  const responder = (req: { url: URL }) => {
    const now = performance.now();
    arrivals.push(now);
    const b = buckets.get(req.url.pathname) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    buckets.set(req.url.pathname, b);
    const ok = b.tokens >= 0.97;
    if (ok) b.tokens -= 1;
    statuses.push(ok ? 200 : 429);
    return ok ? json({ ok: true }) : json({ error: "rate limited" }, 429);
  };
  return { responder, statuses, arrivals };
}

describe("the limiter keeps under Fly's bucket", () => {
  it("a burst of 6 on one machine takes at least (6 - burst) / rate and never meets a 429", async () => {
    const fly429 = strictBucket(10, 3);
    fly.reply("POST", "/v1/apps/:app/machines/:id/start", fly429.responder);
    const fly1 = limited({ default: { perSecond: 10, burst: 3 } });
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => fly1.request(start(M))));
    const elapsed = performance.now() - started;
    expect(results.map((r) => r.status)).toEqual(Array(6).fill("fulfilled"));
    expect(fly429.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(1000);
    // The whole burst of 3 goes out at once; the 4th waits for a refill.
    const [first, , third, fourth] = fly429.arrivals as [number, number, number, number];
    expect(third - first).toBeLessThan(50);
    expect(fourth - first).toBeGreaterThan(50);
  });

  it("without the limiter the same burst meets 429s (the strict mock works)", async () => {
    const fly429 = strictBucket(10, 3);
    fly.reply("POST", "/v1/apps/:app/machines/:id/start", fly429.responder);
    const unlimited = client({ rateLimits: false, retry: false });
    await Promise.allSettled(Array.from({ length: 6 }, () => unlimited.request(start(M))));
    expect(fly429.statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });

  it("sustained calls keep to the rate over several refills", async () => {
    const fly429 = strictBucket(20, 3);
    fly.reply("POST", "/v1/apps/:app/machines/:id/start", fly429.responder);
    const fly1 = limited({ default: { perSecond: 20, burst: 3 } });
    const started = performance.now();
    await Promise.allSettled(Array.from({ length: 12 }, () => fly1.request(start(M))));
    expect(fly429.statuses.every((s) => s === 200)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual((12 - 3) * 50);
  });

  it("a burst of 1 is plain spacing", async () => {
    const fly429 = strictBucket(20, 1);
    fly.reply("POST", "/v1/apps/:app/machines/:id/start", fly429.responder);
    const fly1 = limited({ default: { perSecond: 20, burst: 1 } });
    const started = performance.now();
    await Promise.allSettled(Array.from({ length: 4 }, () => fly1.request(start(M))));
    expect(fly429.statuses.every((s) => s === 200)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 50);
  });

  it("different machines, apps and actions do not share a bucket", async () => {
    const fly1 = limited({ default: { perSecond: 1, burst: 3 } });
    const started = performance.now();
    await Promise.all([
      fly1.request(start(M)),
      fly1.request(start(M)),
      fly1.request(start(M2)),
      fly1.request(start(M2)),
      fly1.request(start(M, "other-app")),
      fly1.request(start(M, "other-app")),
      fly1.request({ ...start(M), path: `/apps/${APP}/machines/${M}/stop`, action: "machines_stop" }),
    ]);
    expect(performance.now() - started).toBeLessThan(300);
    expect(fly.requests).toHaveLength(7);
  });

  it("rateLimits: false sends everything at once", async () => {
    const fly1 = client({ rateLimits: false });
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, () => fly1.request(start(M))));
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("Fly's own limits apply by default: machines_get allows a burst", async () => {
    const fly1 = client({ retry: false, rateLimits: undefined });
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, () => fly1.request(read)));
    expect(performance.now() - started).toBeLessThan(300);
  });

  it("every GET gets the read limit, 5/s with a burst of 10", async () => {
    const fly1 = client({ retry: false, rateLimits: undefined });
    const list: FlyRequest = {
      method: "GET",
      path: `/apps/${APP}/machines`,
      action: "machines_list",
      app: APP,
    };
    const waits: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 11 }, () => fly1.request({ ...list, onProgress: () => waits.push(1) })),
    );
    // Ten at once, the 11th one refill (200 ms) later.
    expect(waits).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(fly.requests).toHaveLength(11);
  });
});

describe("the bucket", () => {
  const call = { ...write };

  it("hands out the full burst at once and holds the next call", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 1, burst: 3 } });
    const cancel = new AbortController();
    let released = 0;
    for (let i = 0; i < 3; i++) void limiter.acquire(call).then(() => released++);
    const fourth = limiter.acquire(call, { signal: cancel.signal }).then(() => released++);
    await delay(20);
    expect(released).toBe(3);
    cancel.abort();
    await fourth.catch(() => {});
  });

  it("acquires with tokens to spare complete before any timer fires", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 1e6, burst: 1e6 } });
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    let released = 0;
    for (let i = 0; i < 1000; i++) void limiter.acquire(call).then(() => released++);
    await Promise.resolve();
    expect(released).toBe(1000);
    expect(timerFired).toBe(false);
  });

  it("sustained spacing is 1 / rate, with no drift", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 50, burst: 3 } });
    const started = performance.now();
    const at = await Promise.all(
      Array.from({ length: 23 }, () => limiter.acquire(call).then(() => performance.now() - started)),
    );
    // Never early: after the burst, call k waits for k - 2 refills of 20 ms.
    const early = at.filter((t, k) => t < Math.max(0, k - 2) * 20);
    expect(early).toEqual([]);
    // A late timer makes one gap longer and the next shorter, so the typical gap is the interval.
    const gaps = at.slice(3).map((t, k) => t - (at[k + 2] as number));
    const median = gaps.sort((a, b) => a - b)[10] as number;
    expect(median).toBeGreaterThanOrEqual(19);
    expect(median).toBeLessThan(21.5);
    expect(at[22]).toBeLessThan(20 * 20 + 100);
  });
});

describe("calls that would wait too long fail at once", () => {
  it("a full queue answers rate_limited_locally and sends nothing", async () => {
    const fly1 = limited({ default: { perSecond: 1, burst: 2 }, maxQueue: 2, maxWaitMs: 60_000 });
    const cancel = new AbortController();
    // Two go out, two wait.
    const queued = Array.from({ length: 4 }, () => fly1.request({ ...start(M), signal: cancel.signal }));
    await delay(20);
    const started = performance.now();
    const err = await failure(fly1.request(start(M)));
    expect(performance.now() - started).toBeLessThan(100);
    expect(err.details.kind).toBe("rate_limited_locally");
    expect(describeFlyError(err)).toContain("Too many calls of this action are queued");
    expect(fly.requests).toHaveLength(2);
    cancel.abort();
    await Promise.allSettled(queued);
  });

  it("a call whose expected wait exceeds maxWaitMs fails at once", async () => {
    const fly1 = limited({ default: { perSecond: 10, burst: 2 }, maxWaitMs: 150 });
    const started = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: 5 }, () => fly1.request(start(M))));
    const kinds = settled.map((s) =>
      s.status === "fulfilled" ? "ok" : (s.reason as { details: { kind: string } }).details.kind,
    );
    // Two from the burst, one 100 ms later; the next would wait 200 ms.
    expect(kinds).toEqual(["ok", "ok", "ok", "rate_limited_locally", "rate_limited_locally"]);
    expect(fly.requests).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(400);
    const err = (settled[4] as PromiseRejectedResult).reason;
    expect(describeFlyError(err)).toMatch(
      /Rate limited locally: machines_start: 1 call is already waiting and this one's turn is about 0\.2 s away/,
    );
  });
});

describe("cancellation", () => {
  it("aborts a queued call at once and hands its slot to the next", async () => {
    const fly1 = limited({ default: { perSecond: 5, burst: 1 } });
    const cancel = new AbortController();
    const t0 = performance.now();
    const first = fly1.request(start(M));
    const second = fly1.request({ ...start(M), signal: cancel.signal });
    const third = fly1.request(start(M));
    const thirdDone = third.then(() => performance.now() - t0);
    await delay(30);
    const aborted = performance.now();
    cancel.abort();
    const err = await failure(second);
    expect(performance.now() - aborted).toBeLessThan(20);
    expect(err.details).toMatchObject({ kind: "aborted" });
    expect(err.details.outcomeUnknown).toBeFalsy();
    await first;
    // Without the handed-over slot the third call would go out at about 400 ms.
    expect(await thirdDone).toBeLessThan(350);
    expect(fly.requests).toHaveLength(2);
  });

  it.each([
    ["read", "GET", false],
    ["write", "POST", true],
  ] as const)("aborts an in-flight %s", async (_, method, unknown) => {
    fly.reply(method, "/v1/apps/:app/machines/:id/start", async () => {
      await delay(2_000);
      return json({});
    });
    const cancel = new AbortController();
    const call = client().request({ ...start(M), method, signal: cancel.signal });
    await delay(50);
    const aborted = performance.now();
    cancel.abort();
    const err = await failure(call);
    expect(performance.now() - aborted).toBeLessThan(100);
    expect(err.details.kind).toBe("aborted");
    expect(Boolean(err.details.outcomeUnknown)).toBe(unknown);
    expect(fly.requests).toHaveLength(1);
  });

  it("aborts the pause before a retry", async () => {
    fly.reply("GET", "/v1/apps/:app/machines/:id", () =>
      json({ error: "slow down" }, 429, { "retry-after": "10" }),
    );
    const cancel = new AbortController();
    const call = client().request({
      method: "GET",
      path: `/apps/${APP}/machines/${M}`,
      action: "machines_get",
      signal: cancel.signal,
    });
    await delay(50);
    const aborted = performance.now();
    cancel.abort();
    const err = await failure(call);
    expect(performance.now() - aborted).toBeLessThan(50);
    expect(err.details.kind).toBe("aborted");
    expect(fly.requests).toHaveLength(1);
  });

  it("a signal aborted beforehand sends nothing", async () => {
    const err = await failure(limited({}).request({ ...start(M), signal: AbortSignal.abort() }));
    expect(err.details.kind).toBe("aborted");
    expect(fly.requests).toHaveLength(0);
  });
});

describe("progress", () => {
  it("tells queued calls how long they will wait", async () => {
    const fly1 = limited({ default: { perSecond: 10, burst: 2 } });
    const messages: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, () => fly1.request({ ...start(M), onProgress: (m) => messages.push(m) })),
    );
    expect(messages).toEqual([
      "machines_start: queued by the rate limit, about 0.1 s",
      "machines_start: queued by the rate limit, about 0.2 s",
    ]);
  });
});

describe("the limits table", () => {
  it("matches Fly's published limits", () => {
    expect(ruleFor(FLY_RATE_LIMITS, write)).toEqual({ perSecond: 1, burst: 3 });
    expect(ruleFor(FLY_RATE_LIMITS, read)).toEqual({ perSecond: 5, burst: 10 });
    expect(ruleFor(FLY_RATE_LIMITS, { method: "GET", action: "apps_list" })).toEqual({
      perSecond: 5,
      burst: 10,
    });
    expect(ruleFor(FLY_RATE_LIMITS, { method: "DELETE", action: "constructor" })).toEqual({
      perSecond: 1,
      burst: 3,
    });
    const deletes = ruleFor(FLY_RATE_LIMITS, { method: "DELETE", action: "apps_delete" });
    expect(deletes.scope).toBe("action");
    // Never more than 100 in any minute.
    expect(deletes.burst + deletes.perSecond * 60).toBeLessThanOrEqual(100);
    expect(FLY_RATE_LIMITS.maxWaitMs).toBe(30_000);
  });

  it("stays configurable per method and per action", () => {
    const slowReads = resolveRateLimits({ methods: { GET: { perSecond: 1, burst: 1 } } });
    expect(ruleFor(slowReads, read)).toEqual({ perSecond: 1, burst: 1 });
    expect(ruleFor(slowReads, { method: "DELETE", action: "apps_delete" })).toBe(
      FLY_RATE_LIMITS.actions.apps_delete,
    );
    const ownGet = resolveRateLimits({ actions: { machines_get: { perSecond: 2, burst: 2 } } });
    expect(ruleFor(ownGet, read)).toEqual({ perSecond: 2, burst: 2 });
    expect(ruleFor(ownGet, { method: "GET", action: "apps_list" })).toEqual({ perSecond: 5, burst: 10 });
  });

  it("keys buckets by action, app and machine", () => {
    const rule = ruleFor(FLY_RATE_LIMITS, write);
    expect(bucketKey(rule, start(M))).toEqual({ action: "machines_start", target: `${APP}/${M}` });
    const volume = { method: "GET", path: `/apps/${APP}/volumes/vol_1`, action: "volumes_get", app: APP };
    expect(bucketKey(rule, volume)).toEqual({ action: "volumes_get", target: `${APP}/` });
    const del = { method: "DELETE", path: `/apps/${APP}`, action: "apps_delete", app: APP };
    expect(bucketKey(ruleFor(FLY_RATE_LIMITS, del), del)).toEqual({
      action: "apps_delete",
      target: "",
    });
  });
});
