import { FlyApiError } from "./errors.js";
import { type RateLimitConfig, type RateRule, bucketKey, resolveRateLimits, ruleFor } from "./rate-limits.js";

export interface LimitedCall {
  method: string;
  path: string;
  action?: string;
  app?: string;
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
}

interface Waiter {
  go: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** Fly's bucket as we see it: refills continuously, `rule.burst` at most. */
interface Bucket {
  rule: RateRule;
  tokens: number;
  at: number;
  queue: Waiter[];
  /** Set while someone waits: fires when the next token is due. */
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * A queued call goes out this long after its token is due. Fly's clock starts when our first call
 * arrives, so a later call that travels faster than the first would find Fly a token short: against
 * the strict test bucket, first calls arrive up to ~7 ms later than the ones after them. It delays,
 * never slows: the bucket keeps filling meanwhile, so sustained throughput stays at the rate (bursts
 * of 1 excepted, where a full bucket cannot gain). It also covers Node timers firing up to 1 ms early.
 */
const SLACK_MS = 10;

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

function refill(bucket: Bucket, now: number): void {
  const { perSecond, burst } = bucket.rule;
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
  bucket.at = now;
}

/** Milliseconds until the bucket holds `count` tokens. */
const msUntil = (bucket: Bucket, count: number) =>
  Math.max(0, ((count - bucket.tokens) / bucket.rule.perSecond) * 1000);

function release(bucket: Bucket): void {
  bucket.timer = undefined;
  refill(bucket, performance.now());
  while (bucket.queue.length > 0 && bucket.tokens >= 1) {
    bucket.tokens -= 1;
    const waiter = bucket.queue.shift() as Waiter;
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
    waiter.go();
  }
  schedule(bucket);
}

function schedule(bucket: Bucket): void {
  if (bucket.timer || bucket.queue.length === 0) return;
  bucket.timer = setTimeout(release, Math.ceil(msUntil(bucket, 1)) + SLACK_MS, bucket);
}

/** Per-action, per-app/machine token buckets that release calls as fast as Fly's limits allow. */
export function createRateLimiter(config: Partial<RateLimitConfig> = {}): RateLimiter {
  const limits = resolveRateLimits(config);
  const buckets = new Map<string, Bucket>();
  let sweptAt = performance.now();

  const sweep = (now: number) => {
    sweptAt = now;
    for (const [key, bucket] of buckets) {
      refill(bucket, now);
      if (bucket.queue.length === 0 && bucket.tokens >= bucket.rule.burst) buckets.delete(key);
    }
  };

  const bucketFor = (call: LimitedCall, now: number): Bucket => {
    const rule = ruleFor(limits, call);
    const { action, target } = bucketKey(rule, call);
    const key = `${action}\n${target}`;
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { rule, tokens: rule.burst, at: now, queue: [] };
      buckets.set(key, bucket);
    }
    return bucket;
  };

  return {
    acquire(call, opts = {}) {
      const { signal } = opts;
      if (signal?.aborted) return Promise.reject(cancelledInQueue(call));
      const now = performance.now();
      if (now - sweptAt > SWEEP_EVERY_MS) sweep(now);
      const bucket = bucketFor(call, now);
      refill(bucket, now);

      const ahead = bucket.queue.length;
      if (ahead === 0 && bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return Promise.resolve();
      }
      if (ahead >= limits.maxQueue) {
        return Promise.reject(
          limitedLocally(call, `${limits.maxQueue} calls are already waiting for this action`),
        );
      }
      // Its token comes after one for each call ahead of it.
      const waitMs = msUntil(bucket, ahead + 1) + SLACK_MS;
      const maxWaitMs = Math.min(opts.maxWaitMs ?? limits.maxWaitMs, limits.maxWaitMs);
      if (waitMs > maxWaitMs) {
        const { perSecond, burst } = bucket.rule;
        return Promise.reject(
          limitedLocally(
            call,
            `${ahead} ${ahead === 1 ? "call is" : "calls are"} already waiting and this one's turn is about ${(waitMs / 1000).toFixed(1)} s away (limit ${perSecond}/s, burst ${burst})`,
          ),
        );
      }
      opts.onQueued?.(waitMs);

      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { go: resolve, signal };
        if (signal) {
          // Leaving the queue hands the next token to whoever is behind.
          waiter.onAbort = () => {
            bucket.queue.splice(bucket.queue.indexOf(waiter), 1);
            if (bucket.queue.length === 0) {
              clearTimeout(bucket.timer);
              bucket.timer = undefined;
            }
            reject(cancelledInQueue(call));
          };
          signal.addEventListener("abort", waiter.onAbort, { once: true });
        }
        bucket.queue.push(waiter);
        schedule(bucket);
      });
    },
  };
}
