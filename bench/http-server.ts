// The HTTP server under test, in its own process so clients and server each get a core.
// Usage: BENCH_AGENT_KEY=... node --import tsx bench/http-server.ts stateless|sessions|baseline
// Prints the MCP URL on stdout; then answers each line "cpu" on stdin with its CPU time in ms.

import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { createFlyClient } from "../src/fly/client.js";
import { createLogger } from "../src/log.js";
import { createAccessControl, createAuditLog, policyFromFlags } from "../src/policy/index.js";
import { createSandbox } from "../src/sandbox/index.js";
import { createServer } from "../src/server.js";
import { allTools, DEFAULT_TOOLSETS } from "../src/tools/index.js";
import { createAgentDirectory, startHttpServer } from "../src/transport/http.js";
import { USER_AGENT } from "../src/version.js";
import { startBaselineServer } from "./http-baseline.js";

const AGENT_KEY = process.env.BENCH_AGENT_KEY ?? "";
const mode = process.argv[2];
const logger = createLogger("warn");
const sandbox = createSandbox({ rateLimits: false, transitionMs: 0 });
const fly = createFlyClient({
  baseUrl: "http://sandbox.local",
  token: "sandbox",
  fetch: sandbox.fetch,
  userAgent: USER_AGENT,
  rateLimits: false,
});
// As the CLI does: every tool registered, the agent's toolsets narrowing what it lists and calls.
const tools = allTools;
// Audit lines are formatted and written as in production, to a sink that costs no disk.
const audit = createAuditLog({ destination: new Writable({ write: (_chunk, _enc, done) => done() }) });
const policy = { ...policyFromFlags({ access: "read", toolsets: DEFAULT_TOOLSETS }), name: "bench" };
const agents = createAgentDirectory({
  size: 1,
  lookup: (key) => (key === AGENT_KEY ? { name: "bench", policy } : undefined),
  toAccess: (_name, p: typeof policy) => createAccessControl({ scope: "org", policy: p }),
});

const served =
  mode === "baseline"
    ? await startBaselineServer(fly)
    : await startHttpServer({
        serverFor: (access) => createServer({ tools, fly, access, audit, logger }),
        agents,
        host: "127.0.0.1",
        port: 0,
        stateless: mode === "stateless",
        // One agent drives every client of the load test.
        maxSessionsPerAgent: 64,
        logger,
      });
process.stdout.write(`${served.url}\n`);

const stop = () => void served.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.stdin.once("end", stop);
// The parent reads this before and after a run to tell server CPU from client CPU.
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "cpu") return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${(user + system) / 1000}\n`);
});
