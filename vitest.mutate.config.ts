import base from "./vitest.config.js";

// Under Stryker the sources are mutated in a sandbox: the unit suites it runs need no build,
// and rebuilding dist/ from mutated sources would only slow every run down.
export default { ...base, test: { ...base.test, globalSetup: [] } };
