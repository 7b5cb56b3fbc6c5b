import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { parseRedisUrl } from "../../src/state/redis-url.js";

const sandbox = { sandbox: true };
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a configuration error");
};

describe("--redis-url and --replicas", () => {
  it("keeps state in memory unless a Redis URL is given, and assumes 3 replicas", () => {
    const config = resolveConfig(sandbox, {});
    expect(config.redisUrl).toBeUndefined();
    expect(config.replicas).toBe(3);
  });

  it("reads FLY_MCP_REDIS_URL; the flag wins", () => {
    expect(
      resolveConfig(sandbox, { FLY_MCP_REDIS_URL: "rediss://default:pw@fly-x.upstash.io:6379" }).redisUrl,
    ).toBe("rediss://default:pw@fly-x.upstash.io:6379");
    expect(
      resolveConfig(
        { ...sandbox, redisUrl: "redis://127.0.0.1:6379" },
        { FLY_MCP_REDIS_URL: "redis://other:6379" },
      ).redisUrl,
    ).toBe("redis://127.0.0.1:6379");
  });

  it("refuses another scheme, naming the setting and never repeating the password", () => {
    for (const bad of [
      "http://user:hunter2-very-secret@cache:6379",
      "user:hunter2-very-secret@cache",
      "nonsense hunter2-very-secret",
    ]) {
      const message = failure(() => resolveConfig({ ...sandbox, redisUrl: bad }, {}));
      expect(message).toContain("--redis-url / FLY_MCP_REDIS_URL");
      expect(message).toMatch(/redis:\/\/ or rediss:\/\/|not a URL/);
      expect(message).not.toContain("hunter2");
      expect(message).not.toContain("user");
    }
  });

  it("refuses a replica count below one or not whole", () => {
    for (const bad of ["0", "-1", "2.5", "", "three"]) {
      const message = failure(() => resolveConfig({ ...sandbox, replicas: bad }, {}));
      expect(message).toContain("--replicas");
    }
    expect(resolveConfig({ ...sandbox, replicas: "5" }, {}).replicas).toBe(5);
  });

  it("describes a URL for logs without its credentials", () => {
    expect(parseRedisUrl("rediss://default:s3cr3t-pass@fly-x.upstash.io:6379").safe).toBe(
      "rediss://fly-x.upstash.io:6379",
    );
  });
});
