import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createInterface } from "node:readline";
import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { callOk } from "./mcp.js";
import { type BenchResult, int, ms, type Row, round, summarize } from "./stats.js";

const CONCURRENCY = [1, 8, 32];
const DURATION_MS = 4_000;
const WARMUP_MS = 1_000;
const AGENT_KEY = randomBytes(24).toString("base64url");
const CALL = { name: "apps_get", args: { app_name: "demo-app" } };

interface ServerProcess {
  url: URL;
  /** CPU time the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

/** `modern`: a 2026-07-28 client (no sessions) against the same server as `sessions`. */
type Mode = "sessions" | "stateless" | "baseline" | "modern";

async function startServer(mode: Mode): Promise<ServerProcess> {
  const profile = process.env.BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROF}`] : [];
  const serverMode = mode === "modern" ? "sessions" : mode;
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "bench/http-server.ts", serverMode], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, BENCH_AGENT_KEY: AGENT_KEY },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`bench/http-server.ts exited with ${code}`);
  });
  exited.catch(() => {});
  const nextLine = async () => {
    const next = await Promise.race([lines.next(), exited]);
    if (next.done) throw new Error("bench/http-server.ts closed its output");
    return next.value;
  };
  const url = new URL(await nextLine());
  return {
    url,
    cpuMs: async () => {
      child.stdin!.write("cpu\n");
      return Number(await nextLine());
    },
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

async function connect(url: URL, mode: Mode): Promise<Client> {
  if (mode === "modern") {
    const client = new ModernClient(
      { name: "bench", version: "1.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    await client.connect(
      new ModernTransport(url, { requestInit: { headers: { authorization: `Bearer ${AGENT_KEY}` } } }),
    );
    // Same call surface as the 2025 client for what this benchmark does.
    return client as unknown as Client;
  }
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${AGENT_KEY}` } },
  });
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

/** N clients call in a closed loop for a fixed time: latency of each call, calls/s, CPU per call on each side. */
async function drive(server: ServerProcess, mode: Mode, clients: number, durationMs: number) {
  const connected = await Promise.all(Array.from({ length: clients }, () => connect(server.url, mode)));
  const latencies: number[] = [];
  const serverCpuBefore = await server.cpuMs();
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    connected.map(async (client) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await callOk(client, CALL.name, CALL.args);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuMs = (await server.cpuMs()) - serverCpuBefore;
  // Ending sessions keeps the server under its session cap across runs.
  await Promise.all(
    connected.map(async (client) => {
      const transport = client.transport as StreamableHTTPClientTransport | undefined;
      if (mode !== "modern" && transport?.sessionId) await transport.terminateSession().catch(() => {});
      await client.close();
    }),
  );
  const calls = latencies.length;
  return {
    callsPerSecond: (calls / elapsed) * 1000,
    serverCpuMsPerCall: serverCpuMs / calls,
    clientCpuMsPerCall: (clientCpu.user + clientCpu.system) / 1000 / calls,
    ...summarize(latencies),
  };
}

/**
 * MCP over Streamable HTTP on loopback, with sessions and stateless, at several concurrencies; and
 * the baseline, a plain stateless SDK server making the same call, under the same clients.
 */
export async function runHttpThroughput(): Promise<BenchResult> {
  const rows: Row[] = [];
  const figures: Record<string, unknown> = { tool: CALL.name, durationMs: DURATION_MS };
  console.log(
    `\nHTTP throughput (${CALL.name}, closed loop, ${DURATION_MS / 1000} s per run; server in its own process, CPU ms per call on each side)`,
  );
  for (const mode of ["sessions", "stateless", "modern", "baseline"] as const) {
    const server = await startServer(mode);
    try {
      await drive(server, mode, 8, WARMUP_MS);
      const runs: Record<string, unknown> = {};
      for (const n of CONCURRENCY) {
        const r = await drive(server, mode, n, DURATION_MS);
        console.log(
          `  ${mode.padEnd(9)} N=${String(n).padEnd(3)} ${int(r.callsPerSecond).padStart(6)} calls/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  CPU server ${ms(r.serverCpuMsPerCall)}  client ${ms(r.clientCpuMsPerCall)}`,
        );
        runs[`n${n}`] = {
          calls: r.n,
          callsPerSecond: round(r.callsPerSecond, 0),
          p50Ms: round(r.p50, 2),
          p99Ms: round(r.p99, 2),
          serverCpuMsPerCall: round(r.serverCpuMsPerCall, 3),
          clientCpuMsPerCall: round(r.clientCpuMsPerCall, 3),
        };
        const figure = `${int(r.callsPerSecond)}/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`;
        if (mode === "baseline") rows.push({ name: `http SDK baseline N=${n}`, figure, goal: "-" });
        else
          rows.push({
            name: `http ${mode} N=${n}`,
            figure,
            goal: n === 1 ? "p99 <= 20 ms" : ">= 1,000/s, p99 <= 20 ms",
            // One client waits for each answer before its next call, so the rate goal needs concurrency.
            met: r.p99 <= 20 && (n === 1 || r.callsPerSecond >= 1_000),
          });
      }
      figures[mode] = runs;
    } finally {
      await server.stop();
    }
  }
  return { rows, figures };
}
