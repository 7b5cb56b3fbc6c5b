import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cliEnv, spawnClient } from "../support/cli.js";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";

// Assembled at run time: a password-shaped fixture that must never appear in any output.
const PASSWORD = ["pw", "7f3c9a1e5b2d", "x"].join("-");

const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    env: cliEnv(extra),
    encoding: "utf8",
    timeout: 20_000,
    input: "",
  });

describe("--redis-url at the command line", () => {
  it("a URL of another scheme exits 2, names the setting and does not echo the password", () => {
    for (const [args, env] of [
      [["--sandbox", "--redis-url", `https://default:${PASSWORD}@cache.internal:6379`], {}],
      [["--sandbox", `--redis-url=memcached://default:${PASSWORD}@cache:11211`], {}],
      [["--sandbox"], { FLY_MCP_REDIS_URL: `default:${PASSWORD}@cache:6379` }],
    ] as Array<[string[], Record<string, string>]>) {
      const out = run(args, env);
      expect(out.status).toBe(2);
      expect(out.stderr).toContain("--redis-url / FLY_MCP_REDIS_URL");
      expect(`${out.stdout}${out.stderr}`).not.toContain(PASSWORD);
    }
  });

  it("--replicas 0 exits 2 and says what is wanted", () => {
    const out = run(["--sandbox", "--redis-url", "redis://127.0.0.1:1", "--replicas", "0"]);
    expect(out.status).toBe(2);
    expect(out.stderr).toContain("--replicas");
  });
});

describeWithRedis("the server on a password-protected Redis", () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  }, 30_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it("connects, says so and what happens without it, serves calls, and never logs the password", async () => {
    const { client, call, stderr } = await spawnClient(
      ["--sandbox", "--redis-url", redis.url, "--replicas", "4"],
      {
        LOG_LEVEL: "info",
      },
    );
    try {
      const result = await call("apps_list", {});
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const log = stderr();
    expect(log).toContain("Redis connected");
    expect(log).toContain("1/4 of Fly's rate limits");
    expect(log).toContain(`127.0.0.1:${redis.port}`);
    expect(log).not.toContain(PASSWORD);
  });
});
