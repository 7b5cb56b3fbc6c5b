import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    // Lets the soak test measure the heap after a collection.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
  },
});
