import type { SharedBuckets } from "../state/shared-buckets.js";
import { StoreUnavailable } from "../state/store.js";
import { FlyApiError } from "./errors.js";
import { bucketKey, type RateLimitConfig, type RateRule, resolveRateLimits, ruleFor } from "./rate-limits.js";

export interface LimitedCall {
  method: string;
  path: string;
  action?: string;
  app?: string;
  /** Who is calling: waiting calls are served in turn, one agent after another. */
  agent?: string;
}

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Called when the call has to wait, with the expected wait. */
  onQueued?: (waitMs: number) => void;
  /** Lower than the configured max wait when less time is left for the whole call. */
  maxWaitMs?: number;
}

export interface RateLimiter {
  /** Resolves when the call may go out; rejects with `rate_limited_locally` or `aborted`. */
  acquire(call: LimitedCall, opts?: AcquireOptions): Promise<void>;
  /** Fly answered 429: its bucket is empty, whatever ours says, so the next call waits a full refill. */
  refused(call: LimitedCall): void;
}

interface Waiter {
  go: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Fly's bucket as we see it: refills continuously, `rule.burst` at most. Waiting calls queue per
 * agent and are released round-robin, so one agent's backlog delays another by one turn, not by
 * the whole backlog.
 */
interface Bucket {
  rule: RateRule;
  tokens: number;
  at: number;
  /** Per agent, in serving order: the agent served last moves to the end. */
  queues: Map<string, Waiter[]>;
  waiting: number;
  /** Set while someone waits: fires when the next token is due. */
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * A queued call goes out this long after its token is due. Fly's clock starts when our first call
 * arrives, so a later call that travels faster than the first would find Fly a token short. It
 * delays, never slows: the bucket keeps filling meanwhile, so sustained throughput stays at the
 * rate. It also covers Node timers firing up to 1 ms early.
 */
const SLACK_MS = 10;

/**
 * The same for a turn reserved in Redis: between the reservation and Fly lie more hops (Redis's
 * answer, then the request), whose delay varies from call to call and replica to replica.
 */
const SHARED_SLACK_MS = 50;

/** How often full, idle buckets are dropped: a new one starts full, so only the map shrinks. */
const SWEEP_EVERY_MS = 60_000;

function limitedLocally(call: LimitedCall, why: string): FlyApiError {
  return new FlyApiError(0, `${call.action ?? call.path}: ${why}; nothing was sent to Fly`, {
    kind: "rate_limited_locally",
    method: call.method,
    path: call.path,
    action: call.action,
  });
}

function cancelledInQueue(call: LimitedCall): FlyApiError {
  return new FlyApiError(0, "cancelled while waiting for the rate limit; nothing was sent to Fly", {
    kind: "aborted",
    method: call.method,
    path: call.path,
    action: call.action,
  });
}

const newBucket = (rule: RateRule, now: number): Bucket => ({
  rule,
  tokens: rule.burst,
  at: now,
  queues: new Map(),
  waiting: 0,
});

function refill(bucket: Bucket, now: number): void {
  const { perSecond, burst } = bucket.rule;
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
}

/** Milliseconds until the bucket holds `count` tokens. */
const msUntil = (bucket: Bucket, count: number) =>
  Math.max(0, ((count - bucket.tokens) / bucket.rule.perSecond) * 1000);

/** Calls served before a new call of `agent`: its own queue, and one per turn of every other agent. */
function servedBefore(bucket: Bucket, agent: string): number {
  const own = bucket.queues.get(agent)?.length ?? 0;
  let ahead = own;
  for (const [other, queue] of bucket.queues) if (other !== agent) ahead += Math.min(queue.length, own + 1);
  return ahead;
}

function release(bucket: Bucket): void {
  bucket.timer = undefined;
  refill(bucket, performance.now());
  while (bucket.waiting > 0 && bucket.tokens >= 1) {
    const [agent, queue] = bucket.queues.entries().next().value as [string, Waiter[]];
    const waiter = queue.shift() as Waiter;
    // Next turn goes to the next agent; this one rejoins at the end if it still waits.
    bucket.queues.delete(agent);
    if (queue.length > 0) bucket.queues.set(agent, queue);
    bucket.waiting -= 1;
    bucket.tokens -= 1;
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.go();
  }
  schedule(bucket);
}

function schedule(bucket: Bucket): void {
  if (bucket.timer || bucket.waiting === 0) return;
  bucket.timer = setTimeout(release, Math.ceil(msUntil(bucket, 1)) + SLACK_MS, bucket);
}

interface Limits {
  maxQueue: number;
}

/** Takes a token from `bucket` now, or queues the call for one; `maxWaitMs` bounds the expected wait. */
function take(
  bucket: Bucket,
  call: LimitedCall,
  limits: Limits,
  maxWaitMs: number,
  opts: AcquireOptions,
): Promise<void> {
  const { signal } = opts;
  const agent = call.agent ?? "";
  refill(bucket, performance.now());
  if (bucket.waiting === 0 && bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return Promise.resolve();
  }
  const own = bucket.queues.get(agent)?.length ?? 0;
  if (own >= limits.maxQueue) {
    return Promise.reject(
      limitedLocally(call, `${limits.maxQueue} of your calls are already waiting for this action`),
    );
  }
  const ahead = servedBefore(bucket, agent);
  // Its token comes after one for each call served before it.
  const waitMs = msUntil(bucket, ahead + 1) + SLACK_MS;
  if (waitMs > maxWaitMs) {
    const { perSecond, burst } = bucket.rule;
    return Promise.reject(
      limitedLocally(
        call,
        `${ahead} ${ahead === 1 ? "call is" : "calls are"} served before this one and its turn is about ${(waitMs / 1000).toFixed(1)} s away (limit ${perSecond}/s, burst ${burst})`,
      ),
    );
  }
  opts.onQueued?.(waitMs);

  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = { go: resolve, signal };
    let queue = bucket.queues.get(agent);
    if (!queue) {
      // An agent that was not waiting is served next: the others have had their turns meanwhile.
      queue = [];
      bucket.queues = new Map([[agent, queue], ...bucket.queues]);
    }
    const mine = queue;
    if (signal) {
      // Leaving the queue hands the next token to whoever is behind.
      waiter.onAbort = () => {
        mine.splice(mine.indexOf(waiter), 1);
        if (mine.length === 0 && bucket.queues.get(agent) === mine) bucket.queues.delete(agent);
        bucket.waiting -= 1;
        if (bucket.waiting === 0) {
          clearTimeout(bucket.timer);
          bucket.timer = undefined;
        }
        reject(cancelledInQueue(call));
      };
      signal.addEventListener("abort", waiter.onAbort, { once: true });
    }
    mine.push(waiter);
    bucket.waiting += 1;
    schedule(bucket);
  });
}

/** Set with --redis-url: Fly's buckets shared by every replica, with a local fallback. */
export interface SharedLimits {
  buckets: SharedBuckets;
  /** While Redis is unreachable each replica keeps to this share of every limit. */
  replicas: number;
}

/** One replica's share of a limit: the rate divided, the burst too (at least one call). */
export function shareOf(rule: RateRule, replicas: number): RateRule {
  return {
    ...rule,
    perSecond: rule.perSecond / replicas,
    burst: Math.max(1, Math.floor(rule.burst / replicas)),
  };
}

/**
 * A bucket's rule changes when the limiter switches between shared and local-only limits. Back on
 * the shared buckets it starts full, since Redis decides; on this replica's share it keeps no more
 * than the share's burst.
 */
function retune(bucket: Bucket, rule: RateRule, degraded: boolean): Bucket {
  if (bucket.rule === rule) return bucket;
  refill(bucket, performance.now());
  bucket.rule = rule;
  bucket.tokens = degraded ? Math.min(bucket.tokens, rule.burst) : rule.burst;
  return bucket;
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Per-action, per-app/machine token buckets that release calls as fast as Fly's limits allow,
 * then one overall bucket for everything sent to Fly. Each queue is fair between agents. With
 * `shared`, a call released locally also reserves its turn in Redis, so all replicas together keep
 * to Fly's limits; while Redis is unreachable the local buckets hold this replica's share instead.
 */
export function createRateLimiter(config: Partial<RateLimitConfig> = {}, shared?: SharedLimits): RateLimiter {
  const limits = resolveRateLimits(config);
  const buckets = new Map<string, Bucket>();
  const overall = limits.overall ? newBucket(limits.overall, performance.now()) : undefined;
  const shares = new Map<RateRule, RateRule>();
  const local = (rule: RateRule, degraded: boolean) => {
    if (!degraded || !shared) return rule;
    let share = shares.get(rule);
    if (!share) {
      share = shareOf(rule, shared.replicas);
      shares.set(rule, share);
    }
    return share;
  };
  let sweptAt = performance.now();

  const sweep = (now: number) => {
    sweptAt = now;
    for (const [key, bucket] of buckets) {
      refill(bucket, now);
      if (bucket.waiting === 0 && bucket.tokens >= bucket.rule.burst) buckets.delete(key);
    }
  };

  const keyOf = (call: LimitedCall) => {
    const rule = ruleFor(limits, call);
    const { action, target } = bucketKey(rule, call);
    return { rule, key: `${action}\n${target}` };
  };

  const bucketFor = (call: LimitedCall, now: number, degraded: boolean): Bucket => {
    const { rule, key } = keyOf(call);
    const wanted = local(rule, degraded);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = newBucket(wanted, now);
      buckets.set(key, bucket);
    }
    return retune(bucket, wanted, degraded);
  };

  const takeLocal = async (
    call: LimitedCall,
    opts: AcquireOptions,
    started: number,
    maxWaitMs: number,
    degraded: boolean,
  ) => {
    await take(bucketFor(call, performance.now(), degraded), call, limits, maxWaitMs, opts);
    if (!overall || !limits.overall) return;
    if (opts.signal?.aborted) throw cancelledInQueue(call);
    const bucket = retune(overall, local(limits.overall, degraded), degraded);
    await take(bucket, call, limits, maxWaitMs - (performance.now() - started), opts);
  };

  /** The call's turn in the replicas' common buckets; false when Redis failed meanwhile. */
  const takeShared = async (
    call: LimitedCall,
    opts: AcquireOptions,
    shared: SharedLimits,
    leftMs: number,
  ) => {
    const { rule, key } = keyOf(call);
    const wanted = [{ key, rule }];
    if (limits.overall) wanted.push({ key: "overall", rule: limits.overall });
    let waitMs: number | undefined;
    try {
      waitMs = await shared.buckets.reserve(wanted, leftMs - SHARED_SLACK_MS);
    } catch (error) {
      if (error instanceof StoreUnavailable) return false;
      throw error;
    }
    if (waitMs === undefined) {
      throw limitedLocally(
        call,
        `the replicas' shared rate limit has no turn for it within ${(leftMs / 1000).toFixed(1)} s (limit ${rule.perSecond}/s, burst ${rule.burst})`,
      );
    }
    if (waitMs <= 0) return true;
    opts.onQueued?.(waitMs + SHARED_SLACK_MS);
    if (!(await sleep(waitMs + SHARED_SLACK_MS, opts.signal))) throw cancelledInQueue(call);
    return true;
  };

  return {
    async acquire(call, opts = {}) {
      if (opts.signal?.aborted) throw cancelledInQueue(call);
      const started = performance.now();
      if (started - sweptAt > SWEEP_EVERY_MS) sweep(started);
      const maxWaitMs = Math.min(opts.maxWaitMs ?? limits.maxWaitMs, limits.maxWaitMs);
      const degraded = shared !== undefined && !shared.buckets.up;
      await takeLocal(call, opts, started, maxWaitMs, degraded);
      if (!shared || degraded) return;
      if (opts.signal?.aborted) throw cancelledInQueue(call);
      const leftMs = maxWaitMs - (performance.now() - started);
      if (await takeShared(call, opts, shared, leftMs)) return;
      // Redis went away during this call: it waits for this replica's share instead.
      await takeLocal(call, opts, performance.now(), leftMs, true);
    },
    refused(call) {
      const now = performance.now();
      const bucket = bucketFor(call, now, shared !== undefined && !shared.buckets.up);
      refill(bucket, now);
      bucket.tokens = Math.min(bucket.tokens, 0);
      if (shared?.buckets.up) {
        const { rule, key } = keyOf(call);
        shared.buckets.drain({ key, rule }).catch(() => undefined);
      }
    },
  };
}
