import { luaScript, type RedisLink, runScript } from "./redis-link.js";

/**
 * Per-agent HTTP session slots counted across replicas. Each slot is a lease: a replica that dies
 * without releasing its slots loses them when their leases run out, so counts never leak for good.
 */
export interface SessionSlots {
  /** Redis answers: otherwise each replica keeps to its share of the cap. */
  readonly up: boolean;
  /** Takes one of the agent's `max` slots; false when every one is taken. Throws `StoreUnavailable`. */
  claim(agent: string, slot: string, max: number, leaseMs: number): Promise<boolean>;
  /** The session was used: its lease starts again. */
  renew(agent: string, slot: string, leaseMs: number): Promise<void>;
  release(agent: string, slot: string): Promise<void>;
}

// Drops expired leases, counts, and adds in one step: two replicas cannot both take the last slot.
const CLAIM = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`);

const RENEW = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`);

export function redisSessionSlots(link: RedisLink, namespace: string): SessionSlots {
  const key = (agent: string) => `${namespace}sessions:${agent}`;
  return {
    get up() {
      return link.up;
    },
    async claim(agent, slot, max, leaseMs) {
      const won = await link.run((r) =>
        runScript(r, CLAIM, [key(agent)], [slot, String(max), String(Math.ceil(leaseMs))]),
      );
      return won === 1;
    },
    async renew(agent, slot, leaseMs) {
      await link.run((r) => runScript(r, RENEW, [key(agent)], [slot, String(Math.ceil(leaseMs))]));
    },
    async release(agent, slot) {
      await link.run((r) => r.zrem(key(agent), slot));
    },
  };
}
