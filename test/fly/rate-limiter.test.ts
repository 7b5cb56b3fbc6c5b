import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FlyRequest } from "../../src/fly/client.js";
import { describeFlyError, type FlyApiError } from "../../src/fly/errors.js";
import { createRateLimiter } from "../../src/fly/rate-limiter.js";
import {
  bucketKey,
  FLY_RATE_LIMITS,
  type RateLimitConfig,
  resolveRateLimits,
  ruleFor,
} from "../../src/fly/rate-limits.js";
import {
  APP,
  failure,
  M,
  M2,
  read,
  type Sent,
  settle,
  standIn,
  standInClient,
  untilSent,
  useFakeClock,
  write,
} from "./support.js";

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

const start = (machine: string, app = APP): FlyRequest => ({
  ...write,
  app,
  path: `/apps/${app}/machines/${machine}/start`,
});
const get = (machine: string): FlyRequest => ({ ...read, path: `/apps/${APP}/machines/${machine}` });
const list: FlyRequest = { method: "GET", path: `/apps/${APP}/machines`, action: "machines_list", app: APP };

/** Fly's side: a continuous token bucket per path that answers 429, with no Retry-After, when empty. */
function strictFly(perSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const statuses: number[] = [];
  const fly = standIn((req) => {
    const now = performance.now();
    const path = new URL(req.url).pathname;
    const b = buckets.get(path) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    buckets.set(path, b);
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    statuses.push(ok ? 200 : 429);
    return ok ? Response.json({ ok: true }) : Response.json({ error: "rate limited" }, { status: 429 });
  });
  return { ...fly, statuses };
}

/**
 * Send times from the first request on: a client loads its HTTP library before its first request,
 * which takes real time while the fake clock is stepped.
 */
const offsetsOf = (sent: Sent[]) => sent.map((x) => x.at - (sent[0]?.at ?? 0));

const all = <T>(calls: Array<Promise<T>>) => settle(Promise.allSettled(calls));
const kinds = (results: PromiseSettledResult<unknown>[]) =>
  results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as FlyApiError).details.kind));

describe("the client keeps under Fly's published limits", () => {
  it("a burst of 6 writes on one machine meets no 429: 3 at once, then one a second", async () => {
    const fly = strictFly(1, 3);
    const client = standInClient(fly.fetch, { retry: false });
    const results = await all(Array.from({ length: 6 }, () => client.request(start(M))));
    expect(kinds(results)).toEqual(Array(6).fill("ok"));
    expect(fly.statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const offsets = offsetsOf(fly.sent);
    expect(offsets.slice(0, 3)).toEqual([0, 0, 0]);
    // The 4th waits one full refill of Fly's 1/s bucket, the 5th and 6th one more each.
    for (const [k, offset] of offsets.slice(3).entries()) {
      expect(offset).toBeGreaterThanOrEqual((k + 1) * 1000);
      expect(offset).toBeLessThan((k + 1) * 1000 + 100);
    }
  });

  it("without the limiter the same burst meets 429s (the strict stand-in works)", async () => {
    const fly = strictFly(1, 3);
    const client = standInClient(fly.fetch, { retry: false, rateLimits: false });
    await all(Array.from({ length: 6 }, () => client.request(start(M))));
    expect(fly.statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it("reads other than getting a machine are held to 1/s with a burst of 3", async () => {
    const fly = strictFly(1, 3);
    const client = standInClient(fly.fetch, { retry: false });
    await all(Array.from({ length: 4 }, () => client.request(list)));
    expect(fly.statuses).toEqual([200, 200, 200, 200]);
    expect(offsetsOf(fly.sent)[3]).toBeGreaterThanOrEqual(1000);
  });

  it("getting a machine may burst 10, then 5/s", async () => {
    const fly = strictFly(5, 10);
    const client = standInClient(fly.fetch, { retry: false });
    await all(Array.from({ length: 11 }, () => client.request(read)));
    expect(fly.statuses.every((s) => s === 200)).toBe(true);
    expect(offsetsOf(fly.sent).filter((t) => t === 0)).toHaveLength(10);
    expect(offsetsOf(fly.sent)[10]).toBeGreaterThanOrEqual(200);
  });

  it("different machines, apps and actions do not share a bucket", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, { retry: false });
    await all([
      ...[M, M2].flatMap((m) => [
        client.request(start(m)),
        client.request(start(m)),
        client.request(start(m)),
      ]),
      client.request(start(M, "other-app")),
      client.request({ ...start(M), path: `/apps/${APP}/machines/${M}/stop`, action: "machines_stop" }),
    ]);
    expect(offsetsOf(fly.sent)).toEqual(Array(8).fill(0));
  });

  it("the overall cap bounds a flood over distinct machines; what cannot wait is refused unsent", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, { retry: false });
    const results = await all(Array.from({ length: 200 }, (_, i) => client.request(get(`m${i}`))));
    const { perSecond, burst } = FLY_RATE_LIMITS.overall as { perSecond: number; burst: number };
    const inFirstSecond = offsetsOf(fly.sent).filter((t) => t < 1000).length;
    expect(inFirstSecond).toBeLessThanOrEqual(burst + perSecond);
    // Each second after the first burst carries the overall rate, not more.
    const inSecondSecond = offsetsOf(fly.sent).filter((t) => t >= 1000 && t < 2000).length;
    expect(inSecondSecond).toBeLessThanOrEqual(perSecond + 1);
    const refused = kinds(results).filter((k) => k === "rate_limited_locally").length;
    expect(fly.sent.length + refused).toBe(200);
    expect(refused).toBeGreaterThan(0);
  });

  it("rateLimits: false sends everything at once", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, { retry: false, rateLimits: false });
    await all(Array.from({ length: 100 }, () => client.request(start(M))));
    expect(offsetsOf(fly.sent)).toEqual(Array(100).fill(0));
  });
});

describe("a 429 without Retry-After", () => {
  it("is retried only after a full refill of Fly's bucket for the action", async () => {
    const fly = standIn((_, n) =>
      n === 1 ? Response.json({ error: "rate limited" }, { status: 429 }) : Response.json({ ok: true }),
    );
    const client = standInClient(fly.fetch, { retry: { baseDelayMs: 250 } });
    await settle(client.request(start(M)));
    expect(fly.sent).toHaveLength(2);
    expect((fly.sent[1]?.at ?? 0) - (fly.sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it("on getting a machine waits its faster refill, 200 ms", async () => {
    const fly = standIn((_, n) =>
      n === 1 ? Response.json({ error: "rate limited" }, { status: 429 }) : Response.json({ ok: true }),
    );
    const client = standInClient(fly.fetch, { retry: { baseDelayMs: 1 } });
    await settle(client.request(read));
    expect((fly.sent[1]?.at ?? 0) - (fly.sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it("empties our bucket, so the other calls queued for it wait too", async () => {
    let refuse = true;
    const fly = standIn(() =>
      refuse ? Response.json({ error: "rate limited" }, { status: 429 }) : Response.json({ ok: true }),
    );
    const client = standInClient(fly.fetch, { retry: false });
    const first = await settle(failure(client.request(start(M))));
    expect(first.status).toBe(429);
    refuse = false;
    const t1 = performance.now();
    await settle(client.request(start(M)));
    expect((fly.sent[1]?.at ?? 0) - t1).toBeGreaterThanOrEqual(1000);
  });

  it("a storm of them: each retry a full refill apart, then the agent is told to slow down", async () => {
    const fly = standIn(() => Response.json({ error: "rate limited" }, { status: 429 }));
    const client = standInClient(fly.fetch);
    const err = await settle(failure(client.request(start(M))));
    expect(fly.sent).toHaveLength(3);
    const gaps = fly.sent.slice(1).map((s, k) => s.at - (fly.sent[k]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    expect(err.details.attempts).toBe(3);
    expect(describeFlyError(err)).toMatch(/429 Too Many Requests.*after 3 attempts.*make fewer calls/s);
  });
});

describe("fairness between agents", () => {
  const rule = { perSecond: 1, burst: 3 };
  const as = (agent: string): FlyRequest => ({ ...start(M), agent });

  it("one agent's backlog does not make another agent's call fail", async () => {
    const limiter = createRateLimiter({ default: rule, overall: false, maxQueue: 5 });
    const order: string[] = [];
    const reader = Array.from({ length: 9 }, () =>
      limiter.acquire(as("reader")).then(() => order.push("reader")),
    );
    // 3 from the burst, 5 queued: the reader's 9th call finds its own queue full.
    const writer = limiter.acquire(as("writer")).then(() => order.push("writer"));
    const results = await all([...reader, writer]);
    expect(kinds(results)).toEqual([...Array(8).fill("ok"), "rate_limited_locally", "ok"]);
    // The writer goes on the next refill, ahead of the reader's backlog.
    expect(order.slice(3, 5)).toEqual(["writer", "reader"]);
  });

  it("agents waiting for the same bucket take turns", async () => {
    const limiter = createRateLimiter({ default: rule, overall: false });
    const order: string[] = [];
    const calls = [
      ...Array.from({ length: 6 }, () => limiter.acquire(as("a")).then(() => order.push("a"))),
      ...Array.from({ length: 3 }, () => limiter.acquire(as("b")).then(() => order.push("b"))),
    ];
    await all(calls);
    // a's burst of 3, then a and b alternate while both wait.
    expect(order).toEqual(["a", "a", "a", "b", "a", "b", "a", "b", "a"]);
  });

  it("the overall bucket is fair too: a flood over distinct machines does not starve another agent", async () => {
    const limiter = createRateLimiter({ overall: { perSecond: 10, burst: 2 }, maxQueue: 50 });
    const sentAt: Record<string, number[]> = { reader: [], writer: [] };
    const t0 = performance.now();
    const track = (agent: string) => () => sentAt[agent]?.push(performance.now() - t0);
    const flood = Array.from({ length: 40 }, (_, i) =>
      limiter.acquire({ ...get(`m${i}`), agent: "reader" }).then(track("reader")),
    );
    const writer = limiter.acquire({ ...start(M), agent: "writer" }).then(track("writer"));
    await all([...flood, writer]);
    // Behind 38 waiting reads, the write still goes on the next refill of the overall bucket.
    expect(sentAt.writer?.[0]).toBeLessThanOrEqual(100 + 10);
  });
});

describe("the bucket", () => {
  const call = { ...write };

  it("hands out the full burst at once and holds the next call for one refill", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 1, burst: 3 }, overall: false });
    const t0 = performance.now();
    const at = await settle(
      Promise.all(Array.from({ length: 4 }, () => limiter.acquire(call).then(() => performance.now() - t0))),
    );
    expect(at.slice(0, 3)).toEqual([0, 0, 0]);
    expect(at[3]).toBeGreaterThanOrEqual(1000);
    expect(at[3]).toBeLessThan(1050);
  });

  it("acquires with tokens to spare complete before any timer fires", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 1e6, burst: 1e6 }, overall: false });
    let released = 0;
    const calls = Array.from({ length: 1000 }, () => limiter.acquire(call).then(() => released++));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(released).toBe(1000);
    await Promise.all(calls);
  });

  it("sustained spacing is 1 / rate, never early and with no drift", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 50, burst: 3 }, overall: false });
    const t0 = performance.now();
    const at = await settle(
      Promise.all(Array.from({ length: 23 }, () => limiter.acquire(call).then(() => performance.now() - t0))),
    );
    // After the burst, call k waits for k - 2 refills of 20 ms.
    expect(at.filter((t, k) => t < Math.max(0, k - 2) * 20)).toEqual([]);
    expect(at[22]).toBeLessThan(20 * 20 + 30);
  });

  it("refused() makes the next call wait a full refill", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 1, burst: 3 }, overall: false });
    await limiter.acquire(call);
    limiter.refused(call);
    const t0 = performance.now();
    await settle(limiter.acquire(call));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
  });
});

describe("calls that would wait too long fail at once", () => {
  it("a full queue answers rate_limited_locally and sends nothing", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, {
      retry: false,
      rateLimits: { default: { perSecond: 1, burst: 2 }, maxQueue: 2, maxWaitMs: 60_000 },
    });
    const cancel = new AbortController();
    // Two go out, two wait.
    const queued = Array.from({ length: 4 }, () => client.request({ ...start(M), signal: cancel.signal }));
    await untilSent(fly.sent, 2);
    const err = await failure(client.request(start(M)));
    expect(err.details.kind).toBe("rate_limited_locally");
    expect(describeFlyError(err)).toContain("Too many calls of this action are queued");
    expect(fly.sent).toHaveLength(2);
    cancel.abort();
    await Promise.allSettled(queued);
  });

  it("a call whose expected wait exceeds maxWaitMs fails at once", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, {
      retry: false,
      rateLimits: { default: { perSecond: 10, burst: 2 }, maxWaitMs: 150 },
    });
    const settled = await all(Array.from({ length: 5 }, () => client.request(start(M))));
    // Two from the burst, one 100 ms later; the next would wait 200 ms.
    expect(kinds(settled)).toEqual(["ok", "ok", "ok", "rate_limited_locally", "rate_limited_locally"]);
    expect(fly.sent).toHaveLength(3);
    const err = (settled[4] as PromiseRejectedResult).reason;
    expect(describeFlyError(err)).toMatch(
      /Rate limited locally: machines_start: 1 call is served before this one and its turn is about 0\.2 s away/,
    );
  });
});

describe("cancellation", () => {
  it("aborts a queued call at once and hands its slot to the next", async () => {
    const limiter = createRateLimiter({ default: { perSecond: 5, burst: 1 }, overall: false });
    const cancel = new AbortController();
    const t0 = performance.now();
    await limiter.acquire(write);
    const second = limiter.acquire(write, { signal: cancel.signal });
    const third = limiter.acquire(write).then(() => performance.now() - t0);
    await vi.advanceTimersByTimeAsync(30);
    cancel.abort();
    const err = await failure(second);
    expect(err.details).toMatchObject({ kind: "aborted" });
    expect(err.details.outcomeUnknown).toBeFalsy();
    // Without the handed-over slot the third call would go out at about 400 ms.
    const thirdAt = await settle(third);
    expect(thirdAt).toBeGreaterThanOrEqual(200);
    expect(thirdAt).toBeLessThan(300);
  });

  it.each([
    ["read", "GET", false],
    ["write", "POST", true],
  ] as const)("aborts an in-flight %s", async (_, method, unknown) => {
    const fly = standIn(
      (req) =>
        new Promise<Response>((_, reject) =>
          req.signal.addEventListener("abort", () => reject(req.signal.reason)),
        ),
    );
    const cancel = new AbortController();
    const call = standInClient(fly.fetch).request({ ...start(M), method, signal: cancel.signal });
    await untilSent(fly.sent);
    await vi.advanceTimersByTimeAsync(50);
    cancel.abort();
    const err = await failure(call);
    expect(err.details.kind).toBe("aborted");
    expect(Boolean(err.details.outcomeUnknown)).toBe(unknown);
    expect(fly.sent).toHaveLength(1);
  });

  it("aborts the pause before a retry", async () => {
    const fly = standIn(() =>
      Response.json({ error: "slow down" }, { status: 429, headers: { "retry-after": "10" } }),
    );
    const cancel = new AbortController();
    const call = standInClient(fly.fetch).request({ ...read, signal: cancel.signal });
    await untilSent(fly.sent);
    await vi.advanceTimersByTimeAsync(50);
    cancel.abort();
    const err = await failure(call);
    expect(err.details.kind).toBe("aborted");
    expect(fly.sent).toHaveLength(1);
  });

  it("a signal aborted beforehand sends nothing", async () => {
    const fly = standIn(() => Response.json({}));
    const err = await failure(standInClient(fly.fetch).request({ ...start(M), signal: AbortSignal.abort() }));
    expect(err.details.kind).toBe("aborted");
    expect(fly.sent).toHaveLength(0);
  });
});

describe("progress", () => {
  it("tells queued calls how long they will wait", async () => {
    const fly = standIn(() => Response.json({}));
    const client = standInClient(fly.fetch, {
      retry: false,
      rateLimits: { default: { perSecond: 10, burst: 2 } },
    });
    const messages: string[] = [];
    await all(
      Array.from({ length: 4 }, () => client.request({ ...start(M), onProgress: (m) => messages.push(m) })),
    );
    expect(messages).toEqual([
      "machines_start: queued by the rate limit, about 0.1 s",
      "machines_start: queued by the rate limit, about 0.2 s",
    ]);
  });
});

describe("the limits table", () => {
  it("matches Fly's published limits: 5/s burst 10 for getting a machine, 1/s burst 3 for everything else", () => {
    expect(ruleFor(FLY_RATE_LIMITS, write)).toEqual({ perSecond: 1, burst: 3 });
    expect(ruleFor(FLY_RATE_LIMITS, read)).toEqual({ perSecond: 5, burst: 10 });
    expect(ruleFor(FLY_RATE_LIMITS, { method: "GET", action: "machines_list" })).toEqual({
      perSecond: 1,
      burst: 3,
    });
    expect(ruleFor(FLY_RATE_LIMITS, { method: "GET", action: "apps_list" })).toEqual({
      perSecond: 1,
      burst: 3,
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
    expect(ruleFor(slowReads, { method: "GET", action: "apps_list" })).toEqual({ perSecond: 1, burst: 1 });
    expect(ruleFor(slowReads, { method: "DELETE", action: "apps_delete" })).toBe(
      FLY_RATE_LIMITS.actions.apps_delete,
    );
    const ownGet = resolveRateLimits({ actions: { machines_get: { perSecond: 2, burst: 2 } } });
    expect(ruleFor(ownGet, read)).toEqual({ perSecond: 2, burst: 2 });
    const config: Partial<RateLimitConfig> = { overall: false };
    expect(resolveRateLimits(config).overall).toBe(false);
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
