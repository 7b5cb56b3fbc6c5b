import type { RateRule } from "../fly/rate-limits.js";
import { luaScript, type RedisLink, runScript } from "./redis-link.js";

/**
 * Fly's token buckets kept in Redis, so every replica draws on the same ones. Each bucket is one key
 * holding its "theoretical arrival time" (GCRA, the token bucket as one number): a call may leave
 * once `tat - (burst - 1) * interval` has passed, and moves `tat` on by one interval.
 */
export interface SharedBuckets {
  /** Redis answers: false means the limiter must use local buckets at reduced limits. */
  readonly up: boolean;
  /**
   * Reserves one call in every bucket at once: the milliseconds to wait before sending it, or
   * `undefined` (nothing reserved) when that is longer than `maxWaitMs`. Throws `StoreUnavailable`.
   */
  reserve(buckets: SharedBucket[], maxWaitMs: number): Promise<number | undefined>;
  /** Fly answered 429: its bucket is empty, so the next call waits one interval. */
  drain(bucket: SharedBucket): Promise<void>;
}

export interface SharedBucket {
  key: string;
  rule: RateRule;
}

// One script runs atomically in Redis: no other replica's call interleaves between read and write.
// Time is Redis's own, so replicas with skewed clocks agree. Keys expire once their bucket is full.
const RESERVE = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local maxWait = tonumber(ARGV[1])
local sendAt = now
local tats = {}
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  local allowAt = tat - tonumber(ARGV[i * 2 + 1])
  if allowAt > sendAt then sendAt = allowAt end
end
local wait = sendAt - now
if wait > maxWait then return {0, string.format('%.3f', wait)} end
for i, key in ipairs(KEYS) do
  local tat = math.max(tats[i], sendAt) + tonumber(ARGV[i * 2])
  redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
end
return {1, string.format('%.3f', wait)}
`);

const DRAIN = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local full = now + tonumber(ARGV[1]) + tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < full then
  redis.call('SET', KEYS[1], string.format('%.3f', full), 'PX', math.ceil(full - now) + 1000)
end
return 1
`);

type Reply = [number, string];

const intervalMs = (rule: RateRule) => 1000 / rule.perSecond;
/** How far ahead of its slot a call may go: the burst beyond the first call. */
const toleranceMs = (rule: RateRule) => (rule.burst - 1) * intervalMs(rule);

export function sharedBuckets(link: RedisLink, namespace: string): SharedBuckets {
  const key = (bucket: SharedBucket) => `${namespace}rate:${bucket.key}`;
  return {
    get up() {
      return link.up;
    },
    async reserve(buckets, maxWaitMs) {
      const args = [String(Math.max(0, maxWaitMs))];
      for (const b of buckets) args.push(String(intervalMs(b.rule)), String(toleranceMs(b.rule)));
      const [granted, wait] = (await link.run((r) => runScript(r, RESERVE, buckets.map(key), args))) as Reply;
      return granted === 1 ? Number(wait) : undefined;
    },
    async drain(bucket) {
      const { rule } = bucket;
      await link.run((r) =>
        runScript(r, DRAIN, [key(bucket)], [String(intervalMs(rule)), String(toleranceMs(rule))]),
      );
    },
  };
}
