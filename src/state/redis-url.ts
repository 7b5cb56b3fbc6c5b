/** Replicas assumed to share Fly's limits when Redis is unreachable (--replicas). */
export const DEFAULT_REPLICAS = 3;

/** Why a `--redis-url` is unusable; the message never repeats the URL, which may hold a password. */
export class RedisUrlError extends Error {
  override readonly name = "RedisUrlError";
}

/**
 * Checks a Redis URL (`redis://` or `rediss://` for TLS) and returns it with a description safe to
 * log: scheme, host and port, never the user or password.
 */
export function parseRedisUrl(raw: string): { url: string; safe: string; password?: string } {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RedisUrlError("is not a URL; use redis://[:PASSWORD@]HOST:PORT or rediss://... for TLS");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new RedisUrlError(
      "must start with redis:// or rediss:// (TLS), e.g. redis://localhost:6379 or the URL `fly redis status` prints",
    );
  }
  if (!url.hostname) throw new RedisUrlError("names no host; e.g. redis://localhost:6379");
  return { url: value, safe: `${url.protocol}//${url.host}`, password: decoded(url.password) || undefined };
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
