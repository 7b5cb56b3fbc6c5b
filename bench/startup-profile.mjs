// Where the CLI's start-up time goes, in one fresh process: the marginal cost of each import in the
// order the CLI needs them (the floor server's imports first), then each start-up phase. Prints JSON.
const steps = {};
let last = performance.now();
const mark = (name) => {
  const now = performance.now();
  steps[name] = Number((now - last).toFixed(1));
  last = now;
};

await import("@modelcontextprotocol/sdk/server/mcp.js");
await import("@modelcontextprotocol/sdk/server/stdio.js");
await import("zod");
mark("import: SDK + zod (the floor's imports)");
for (const dep of ["commander", "pino", "ky", "yaml", "hono", "@hono/node-server"]) {
  await import(dep);
  mark(`import: ${dep}`);
}
const { resolveConfig } = await import("../dist/config.js");
mark("import: dist/config.js (+ tools/fields)");
await import("../dist/tools/index.js");
mark("import: dist/tools (catalog schemas)");
await import("../dist/policy/index.js");
mark("import: dist/policy");
await import("../dist/sandbox/index.js");
mark("import: dist/sandbox");
const { createRuntime } = await import("../dist/runtime.js");
const { createLogger } = await import("../dist/log.js");
mark("import: dist/runtime, server, fly client");
await import("../dist/transport/stdio.js");
mark("import: dist/transport/stdio");
await import("../dist/transport/http.js");
mark("import: dist/transport/http (unused under stdio)");

const config = resolveConfig({ sandbox: true, logLevel: "warn" }, { PATH: process.env.PATH });
const runtime = await createRuntime(config, createLogger("warn"));
mark("createRuntime (sandbox, scope detection)");
runtime.serverFor(runtime.localAccess);
mark("createServer (register tools)");
runtime.serverFor(runtime.localAccess);
mark("createServer again (warm)");
await runtime.close();
process.stdout.write(`${JSON.stringify(steps)}\n`);
process.exit(0);
