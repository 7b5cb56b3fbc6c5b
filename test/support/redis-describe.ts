import { describe, it } from "vitest";
import { findRedisServer } from "./redis-server.js";

const REDIS_BIN = findRedisServer();

/**
 * A describe block that needs a real Redis: skipped with a loud notice where redis-server is
 * missing, except under CI, where its absence is a failure (`.ci/run` installs it).
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (REDIS_BIN) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it("needs redis-server", () => {
        throw new Error("redis-server is not installed; .ci/run installs it (apt-get install redis-server)");
      });
    });
    return;
  }
  process.stderr.write(
    `\n*** SKIPPED "${name}": redis-server is not on PATH. Install it (apt-get install redis-server) to run these tests; CI never skips them. ***\n\n`,
  );
  describe.skipIf(true)(name, body);
}
