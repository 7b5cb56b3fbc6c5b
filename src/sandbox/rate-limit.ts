/**
 * Fly's published Machines API limits: per action and per machine (or app) id, 1 req/s with a burst
 * of 3; Get Machine 5 req/s with a burst of 10; app deletions 100 per minute.
 */
export interface Rule {
  perSecond: number;
  burst: number;
}

export const RULES = {
  standard: { perSecond: 1, burst: 3 },
  getMachine: { perSecond: 5, burst: 10 },
  deleteApp: { perSecond: 100 / 60, burst: 100 },
} satisfies Record<string, Rule>;

interface Bucket {
  tokens: number;
  at: number;
}

/** One token bucket per action and key. */
export class RateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(readonly enabled: boolean) {}

  /** Takes a token; returns the seconds to wait when none is left, else undefined. */
  take(key: string, rule: Rule, now = Date.now()): number | undefined {
    if (!this.enabled) return undefined;
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, at: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rule.perSecond));
  }

  reset(): void {
    this.buckets.clear();
  }
}
