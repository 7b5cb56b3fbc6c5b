import type { RedisLink } from "./redis-link.js";
import { checkTtl, type KeyValueStore } from "./store.js";

/** Every key this server writes starts with it, so one Redis can serve other things too. */
export const DEFAULT_KEY_PREFIX = "fly-mcp:";

/** SCAN's MATCH is a glob: the prefix is matched literally. */
const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");

/**
 * The store on Redis, shared by every replica. While Redis is unreachable every method throws
 * `StoreUnavailable`: a single-use check that cannot be made is refused, not waved through.
 */
export function redisStore(link: RedisLink, namespace = DEFAULT_KEY_PREFIX): KeyValueStore {
  const k = (key: string) => namespace + key;
  const ms = (ttlMs: number) => {
    checkTtl(ttlMs);
    return Math.max(1, Math.ceil(ttlMs));
  };
  return {
    get shared() {
      return link.up;
    },
    async get(key) {
      return (await link.run((r) => r.get(k(key)))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      const px = ms(ttlMs);
      await link.run((r) => r.set(k(key), value, "PX", px));
    },
    async setIfAbsent(key, value, ttlMs) {
      const px = ms(ttlMs);
      // One command, so two replicas claiming the same id cannot both win.
      return (await link.run((r) => r.set(k(key), value, "PX", px, "NX"))) === "OK";
    },
    async delete(key) {
      await link.run((r) => r.del(k(key)));
    },
    async keys(prefix) {
      const match = `${globEscape(k(prefix))}*`;
      const found = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await link.run((r) => r.scan(cursor, "MATCH", match, "COUNT", 200));
        for (const key of batch) found.add(key.slice(namespace.length));
        cursor = next;
      } while (cursor !== "0");
      return [...found];
    },
  };
}
