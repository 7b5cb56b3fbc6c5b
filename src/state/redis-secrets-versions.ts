import type { Logger } from "pino";
import { memorySecretsVersions, type SecretsVersions } from "../tools/secrets-versions.js";
import { luaScript, type RedisLink, runScript } from "./redis-link.js";

/** Long past Fly's propagation delay: an app's version is only needed right after a write. */
export const SECRETS_VERSION_TTL_MS = 7 * 24 * 3_600_000;

// Read, compare and write in one step: a replica with an older answer never lowers the version.
const KEEP_MAX = luaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local offered = tonumber(ARGV[1])
if offered > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return offered
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return current
`);

/**
 * Secrets versions every replica sees. Redis decides while it answers; this process's own writes
 * are also kept locally and read from there only while Redis is unreachable.
 */
export function redisSecretsVersions(link: RedisLink, namespace: string, logger: Logger): SecretsVersions {
  const local = memorySecretsVersions();
  const key = (app: string) => `${namespace}secrets-version:${app}`;
  const quietly = async (what: string, app: string, run: () => Promise<unknown>): Promise<boolean> => {
    try {
      await run();
      return true;
    } catch {
      logger.debug({ app }, `secrets version not ${what} in Redis (unreachable); kept in this process`);
      return false;
    }
  };
  return {
    async get(app) {
      let raw: string | null;
      try {
        raw = await link.run((r) => r.get(key(app)));
      } catch {
        return local.get(app);
      }
      const version = raw === null ? undefined : Number(raw);
      return version !== undefined && Number.isSafeInteger(version) ? version : undefined;
    },
    async set(app, version) {
      if (!Number.isSafeInteger(version) || version < 0) return;
      await local.set(app, version);
      await quietly("stored", app, () =>
        link.run((r) =>
          runScript(r, KEEP_MAX, [key(app)], [String(version), String(SECRETS_VERSION_TTL_MS)]),
        ),
      );
    },
    async forget(app) {
      await local.forget(app);
      await quietly("forgotten", app, () => link.run((r) => r.del(key(app))));
    },
  };
}
