import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { StoreUnavailable } from "./store.js";

/** One connection to Redis per process, whose reachability every shared structure reads. */
export interface RedisLink {
  /** Connected and answering. */
  readonly up: boolean;
  /** Runs `command`; an unreachable, slow or failing Redis becomes `StoreUnavailable`. */
  run<T>(command: (client: Redis) => Promise<T>): Promise<T>;
  /** Resolves once connected, or after `timeoutMs` either way: start-up never hangs on Redis. */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface RedisLinkOptions {
  url: string;
  /** The URL without credentials, for logs. */
  safe: string;
  logger: Logger;
  /** What a switch to local state means, for the log line. */
  fallback: string;
  /** A command not answered by then counts as Redis being down. */
  commandTimeoutMs?: number;
}

/** Reconnection backoff: quick at first, then every 2 s for as long as it takes. */
const retryDelay = (attempt: number) => Math.min(100 * attempt, 2_000);

export function connectRedis(opts: RedisLinkOptions): RedisLink {
  const { logger } = opts;
  const client = new Redis(opts.url, {
    // Fail fast instead of queueing: callers fall back to local state or refuse.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: opts.commandTimeoutMs ?? 1_000,
    connectTimeout: 2_000,
    retryStrategy: retryDelay,
    // Fly's private network (and its Upstash Redis) is IPv6; 0 takes whatever the name resolves to.
    family: 0,
  });
  let state: "connecting" | "up" | "down" = "connecting";
  let closing = false;
  let lastError = "";
  const waiters = new Set<() => void>();

  // Each switch is logged once, not every reconnection attempt.
  const setUp = (up: boolean) => {
    const next = up ? "up" : "down";
    if (state === next || closing) return;
    const was = state;
    state = next;
    if (up) {
      logger.info(
        { redis: opts.safe },
        `${was === "down" ? "Redis reachable again" : "Redis connected"}: state is shared between replicas`,
      );
      for (const wake of waiters) wake();
    } else {
      logger.warn(
        { redis: opts.safe, reason: lastError || undefined },
        `Redis unreachable: ${opts.fallback}`,
      );
    }
  };
  client.on("ready", () => setUp(true));
  client.on("close", () => setUp(false));
  client.on("error", (error: Error) => {
    lastError = error.message;
    if (state === "connecting") setUp(false);
  });

  return {
    get up() {
      return state === "up";
    },
    async run(command) {
      if (state !== "up") throw new StoreUnavailable(lastError || "not connected");
      try {
        return await command(client);
      } catch (error) {
        if (error instanceof Error && /timed out/i.test(error.message)) {
          // A Redis that stops answering is treated as gone: reconnecting marks it down meanwhile.
          lastError = error.message;
          client.disconnect(true);
        }
        throw new StoreUnavailable(error);
      }
    },
    ready(timeoutMs) {
      if (state === "up") return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve(state === "up");
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
      });
    },
    async close() {
      closing = true;
      for (const wake of waiters) wake();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** A Lua script run by its SHA-1 (sent once per Redis, not with every call). */
export interface LuaScript {
  source: string;
  sha: string;
}

export const luaScript = (source: string): LuaScript => ({
  source,
  sha: createHash("sha1").update(source).digest("hex"),
});

/** EVALSHA, and EVAL once when Redis has not seen the script yet (or restarted empty). */
export async function runScript(
  client: Redis,
  script: LuaScript,
  keys: string[],
  args: string[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
