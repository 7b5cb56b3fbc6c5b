import Bottleneck from "bottleneck";
import { abortable } from "./abort.js";
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

const intervalOf = (rule: RateRule) => Math.ceil(1000 / rule.perSecond);

/**
 * Bottleneck refills its reservoir on a free-running clock, so right after a burst the next token
 * can come up to one interval early. Holding one token of the burst back keeps every window within
 * Fly's bucket (burst + rate x time). A burst of 1 is plain spacing, which minTime does.
 */
function settingsFor(rule: RateRule, maxQueue: number): Bottleneck.ConstructorOptions {
  const intervalMs = intervalOf(rule);
  const queue = { highWater: maxQueue, strategy: Bottleneck.strategy.OVERFLOW };
  // Plain spacing has no spare token to absorb network jitter, so it gets a 10% margin.
  if (rule.burst < 2) return { ...queue, minTime: Math.ceil(intervalMs * 1.1) };
  const held = Math.floor(rule.burst) - 1;
  return {
    ...queue,
    reservoir: held,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: intervalMs,
    reservoirIncreaseMaximum: held,
    heartbeatInterval: Math.max(5, Math.floor(intervalMs / 10)),
  };
}

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

/** Per-action, per-app/machine queues that release calls as fast as Fly's limits allow. */
export function createRateLimiter(config: Partial<RateLimitConfig> = {}): RateLimiter {
  const limits = resolveRateLimits(config);
  const groups = new Map<string, Bottleneck.Group>();
  const waiting = new Map<string, number>();

  const limiterFor = (action: string, target: string, rule: RateRule): Bottleneck => {
    let group = groups.get(action);
    if (!group) {
      // Idle buckets are dropped once Fly's own bucket is surely full again.
      const timeout = Math.max(10_000, 2 * rule.burst * intervalOf(rule));
      group = new Bottleneck.Group({ ...settingsFor(rule, limits.maxQueue), timeout });
      groups.set(action, group);
    }
    return group.key(target);
  };

  const expectedWaitMs = async (limiter: Bottleneck, rule: RateRule, ahead: number): Promise<number> => {
    const reservoir = await limiter.currentReservoir();
    const available = reservoir ?? (ahead === 0 ? 1 : 0);
    const short = ahead + 1 - available;
    return short > 0 ? short * intervalOf(rule) : 0;
  };

  return {
    async acquire(call, opts = {}) {
      const { signal } = opts;
      if (signal?.aborted) throw cancelledInQueue(call);
      const rule = ruleFor(limits, call.action ?? "");
      const { action, target } = bucketKey(rule, call);
      const limiter = limiterFor(action, target, rule);
      const key = `${action}\n${target}`;
      const ahead = waiting.get(key) ?? 0;
      // Counted before the first await, so calls arriving together see each other.
      waiting.set(key, ahead + 1);
      try {
        const waitMs = await expectedWaitMs(limiter, rule, ahead);
        const maxWaitMs = Math.min(opts.maxWaitMs ?? limits.maxWaitMs, limits.maxWaitMs);
        if (waitMs > maxWaitMs) {
          throw limitedLocally(
            call,
            `${ahead} calls are already waiting and the next free slot is about ${Math.ceil(waitMs / 1000)} s away (limit ${rule.perSecond}/s, burst ${rule.burst})`,
          );
        }
        if (signal?.aborted) throw cancelledInQueue(call);
        if (waitMs > 0) opts.onQueued?.(waitMs);

        const refunds = rule.burst >= 2;
        const permit = limiter.schedule(() => {
          // A caller that gave up hands its slot to the next one in line.
          if (signal?.aborted && refunds) void limiter.incrementReservoir(1);
          return Promise.resolve();
        });
        permit.catch(() => {});
        await abortable(permit, signal, () => cancelledInQueue(call)).catch((error: unknown) => {
          if (error instanceof Bottleneck.BottleneckError) {
            throw limitedLocally(call, `${limits.maxQueue} calls are already waiting for this action`);
          }
          throw error;
        });
      } finally {
        const left = (waiting.get(key) ?? 1) - 1;
        if (left > 0) waiting.set(key, left);
        else waiting.delete(key);
      }
    },
  };
}
