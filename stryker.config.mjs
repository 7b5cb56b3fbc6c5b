// Mutation testing: `npm run mutate` (the policy core), or pick another part with
// MUTATE_TARGET=tools|request|retry npm run mutate. Too slow for CI; run it before a release.
const targets = {
  policy: {
    mutate: ["src/policy/**/*.ts", "!src/policy/index.ts"],
    // The round-trip confirmation (request-state*.ts) is tested in process and over HTTP in test/era (not the built-CLI tests: no build under Stryker).
    testFiles: ["test/policy/**/*.test.ts", "test/unit/policy-server.test.ts", "test/era/request-state.test.ts", "test/era/http-round-trip.test.ts"],
    // Below this the run fails: the policy core is the product's promise.
    breakAt: 85,
  },
  // Only the security facts of each catalog entry (access, destructive, ...), not descriptions.
  tools: {
    mutate: ["src/tools/*.ts", "!src/tools/{index,types,table,present,request,results,fields}.ts"],
    testFiles: ["test/unit/catalog*.test.ts", "test/policy/**/*.test.ts"],
    ignorers: ["outside-classification"],
  },
  request: {
    mutate: ["src/tools/request.ts"],
    testFiles: ["test/unit/catalog*.test.ts", "test/support/openapi-spec.test.ts"],
  },
  retry: {
    mutate: ["src/fly/retry.ts"],
    testFiles: ["test/fly/retry.test.ts", "test/fly/body-timeout.test.ts"],
  },
};

const name = process.env.MUTATE_TARGET ?? "policy";
const target = targets[name];
if (!target) {
  process.stderr.write(`MUTATE_TARGET=${name} is not one of: ${Object.keys(targets).join(", ")}\n`);
  process.exit(2);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner", "./test/mutation/classification-ignorer.mjs"],
  mutate: target.mutate,
  testFiles: target.testFiles,
  ignorers: target.ignorers ?? [],
  coverageAnalysis: "perTest",
  // Mutants in module-level tables rerun every test in a fresh environment (most of the time
  // for few mutants); MUTATE_STATIC=1 includes them.
  ignoreStatic: process.env.MUTATE_STATIC !== "1",
  // The machine is shared; more workers only queue for the same cores.
  concurrency: Number(process.env.MUTATE_CONCURRENCY ?? 2),
  timeoutMS: 10_000,
  // The first run of every test (for coverage) takes minutes when the machine is loaded.
  dryRunTimeoutMinutes: 20,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  thresholds: { high: 85, low: 70, break: target.breakAt ?? null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
