/**
 * What the server remembers beyond one call (single-use ids, pending approvals, secrets versions),
 * behind one small interface: in process by default, shared by every replica with `--redis-url`.
 */
export interface KeyValueStore {
  /** Whether the values are shared with other replicas right now (Redis reachable). */
  readonly shared: boolean;
  get(key: string): Promise<string | undefined>;
  /** Stores `value` until `ttlMs` has passed; nothing is kept forever. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores only when the key is absent: true for the one caller that stored it (single use). */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Live keys that start with `prefix`, in no set order. */
  keys(prefix: string): Promise<string[]>;
}

/** The shared store cannot answer: callers that need single use across replicas must refuse. */
export class StoreUnavailable extends Error {
  constructor(cause?: unknown) {
    super("the shared state store (Redis) cannot be reached", { cause });
    this.name = "StoreUnavailable";
  }
}

/** Nothing is kept forever: a missing or non-positive expiry is a programming error. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
}

/** In-process store. `now` is injectable so expiry is tested without waiting. */
export function memoryStore(now: () => number = Date.now): KeyValueStore {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  return {
    shared: false,
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      checkTtl(ttlMs);
      entries.set(key, { value, expiresAt: now() + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      checkTtl(ttlMs);
      if (live(key)) return false;
      entries.set(key, { value, expiresAt: now() + ttlMs });
      return true;
    },
    async delete(key) {
      entries.delete(key);
    },
    async keys(prefix) {
      return [...entries.keys()].filter((key) => key.startsWith(prefix) && live(key));
    },
  };
}
