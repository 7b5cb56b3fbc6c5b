/**
 * Fly's published Machines API limits (docs: "Working with the Machines API"): per action and per
 * Machine/App ID, 1 req/s with a burst of 3 for every action, reads included; 5 req/s with a burst
 * of 10 for getting a Machine; app deletions 100 per minute. Fly answers 429 beyond them, and may do
 * so without `Retry-After` (neither fly-go nor flyctl reads it).
 */
export interface RateRule {
  /** Sustained rate. */
  perSecond: number;
  /** Calls allowed at once after a quiet period. */
  burst: number;
  /**
   * `target`: one bucket per action, app and machine (Fly's "per Machine/App ID").
   * `action`: one bucket per action, for calls whose limit is not tied to one existing app or machine.
   */
  scope?: "target" | "action";
}

export interface RateLimitConfig {
  /** Rule for every call that neither `actions` nor `methods` names. */
  default: RateRule;
  /** Per HTTP method, for actions not listed in `actions`. */
  methods: Record<string, RateRule>;
  /** Per action (tool name). */
  actions: Record<string, RateRule>;
  /**
   * Cap on everything sent to Fly, whatever the action or target: many distinct machine ids must
   * not add up to a flood. `false` leaves only the per-action buckets.
   */
  overall: RateRule | false;
  /** Calls one agent may have waiting in one bucket; more fail at once with `rate_limited_locally`. */
  maxQueue: number;
  /** A call whose expected wait is longer fails at once with `rate_limited_locally`. */
  maxWaitMs: number;
}

export const FLY_RATE_LIMITS: RateLimitConfig = {
  default: { perSecond: 1, burst: 3 },
  methods: {},
  actions: {
    // The one action Fly allows more often.
    machines_get: { perSecond: 5, burst: 10 },
    // A new app has no ID yet, so its creations share one bucket.
    apps_create: { perSecond: 1, burst: 3, scope: "action" },
    // 100 per minute across apps: 10 at once plus 1.5/s is exactly 100 in any 60 s window, never more.
    apps_delete: { perSecond: 1.5, burst: 10, scope: "action" },
  },
  // Fly publishes no account-wide figure; this keeps one server well below what hurts anyone.
  overall: { perSecond: 20, burst: 40 },
  maxQueue: 30,
  maxWaitMs: 30_000,
};

export function resolveRateLimits(config: Partial<RateLimitConfig> = {}): RateLimitConfig {
  return {
    ...FLY_RATE_LIMITS,
    ...config,
    methods: { ...FLY_RATE_LIMITS.methods, ...config.methods },
    actions: { ...FLY_RATE_LIMITS.actions, ...config.actions },
  };
}

// Own keys only: an action named like an Object.prototype member must not find it.
const own = (rules: Record<string, RateRule>, key: string | undefined) =>
  key !== undefined && Object.hasOwn(rules, key) ? rules[key] : undefined;

/** The action's own rule, else its method's, else the default. */
export function ruleFor(config: RateLimitConfig, req: { action?: string; method: string }): RateRule {
  return own(config.actions, req.action) ?? own(config.methods, req.method) ?? config.default;
}

const MACHINE_IN_PATH = /^\/apps\/[^/]+\/machines\/([^/?]+)/;

/** The bucket a call counts against: action, plus app and machine for `target` rules. */
export function bucketKey(
  rule: RateRule,
  req: { action?: string; app?: string; method: string; path: string },
): { action: string; target: string } {
  const action = req.action ?? `${req.method} ${req.path}`;
  if (rule.scope === "action") return { action, target: "" };
  const machine = MACHINE_IN_PATH.exec(req.path)?.[1] ?? "";
  return { action, target: `${req.app ?? ""}/${machine}` };
}
