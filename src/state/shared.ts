import type { Logger } from "pino";
import type { SharedLimits } from "../fly/rate-limiter.js";
import { memorySecretsVersions, type SecretsVersions } from "../tools/secrets-versions.js";
import type { SharedSessions } from "../transport/http-sessions.js";
import { parseRedisUrl } from "./redis-url.js";
import { type KeyValueStore, memoryStore } from "./store.js";

/** Everything one process remembers across calls: built once, passed to whatever needs it. */
export interface SharedState {
  store: KeyValueStore;
  secretsVersions: SecretsVersions;
  /** Only with Redis: Fly's rate-limit buckets shared between replicas. */
  limits?: SharedLimits;
  /** Only with Redis: per-agent HTTP session counts shared between replicas. */
  sessions?: SharedSessions;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** Without it, everything stays in this process, as a single server needs. */
  redisUrl?: string;
  /** Replicas sharing the limits, for the fallback while Redis is unreachable. */
  replicas: number;
  logger: Logger;
  /** Key prefix in Redis. */
  namespace?: string;
  /** How long start-up waits for the first connection before going on with local limits. */
  connectWaitMs?: number;
  commandTimeoutMs?: number;
}

export async function createSharedState(opts: SharedStateOptions): Promise<SharedState> {
  if (!opts.redisUrl) {
    return { store: memoryStore(), secretsVersions: memorySecretsVersions(), close: async () => {} };
  }
  const { url, safe } = parseRedisUrl(opts.redisUrl);
  // Loaded only when asked for: a single process never pays for the Redis client.
  const [
    { connectRedis },
    { redisSecretsVersions },
    { DEFAULT_KEY_PREFIX, redisStore },
    { sharedBuckets },
    { redisSessionSlots },
  ] = await Promise.all([
    import("./redis-link.js"),
    import("./redis-secrets-versions.js"),
    import("./redis-store.js"),
    import("./shared-buckets.js"),
    import("./session-slots.js"),
  ]);
  const namespace = opts.namespace ?? DEFAULT_KEY_PREFIX;
  const fallback =
    `rate limits are kept per process at 1/${opts.replicas} of Fly's (--replicas ${opts.replicas}), ` +
    "confirmations that need a single-use check are refused until Redis is back";
  const link = connectRedis({
    url,
    safe,
    logger: opts.logger,
    fallback,
    commandTimeoutMs: opts.commandTimeoutMs,
  });
  opts.logger.info(
    { redis: safe, namespace, replicas: opts.replicas },
    `shared state on Redis; while it is unreachable each replica keeps to 1/${opts.replicas} of Fly's rate limits (--replicas)`,
  );
  await link.ready(opts.connectWaitMs ?? 3_000);
  return {
    store: redisStore(link, namespace),
    secretsVersions: redisSecretsVersions(link, namespace, opts.logger),
    limits: { buckets: sharedBuckets(link, namespace), replicas: opts.replicas },
    sessions: { slots: redisSessionSlots(link, namespace), replicas: opts.replicas },
    close: () => link.close(),
  };
}
