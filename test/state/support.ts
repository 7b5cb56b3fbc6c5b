import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Logger } from "pino";
import { pino } from "pino";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createServer } from "../../src/server.js";
import { createSharedState, type SharedState } from "../../src/state/shared.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { connect, fullAccess, memoryAudit } from "../support/harness.js";

/** A logger whose lines the test can read, as the operator would. */
export function capturingLogger(): { logger: Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: "debug" },
    {
      write: (line: string) => {
        const parsed = JSON.parse(line) as { level: number; msg: string };
        lines.push({ level: parsed.level, msg: parsed.msg });
      },
    },
  );
  return { logger, lines };
}

/** One replica's shared state, with its own connection to the test's Redis. */
export async function replicaState(
  url: string,
  opts: { namespace?: string; logger?: Logger; replicas?: number } = {},
): Promise<SharedState> {
  return createSharedState({
    redisUrl: url,
    replicas: opts.replicas ?? 3,
    logger: opts.logger ?? capturingLogger().logger,
    namespace: opts.namespace,
    connectWaitMs: 5_000,
  });
}

/** Waits, on the real clock, until `check` holds: Redis reconnects in its own time. */
export async function until(check: () => boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Fly's side for these tests: a token bucket per path on the real clock, 429 when empty. */
export function strictFly(perSecond: number, burst: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const statuses: number[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    const now = performance.now();
    const b = buckets.get(path) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    buckets.set(path, b);
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    statuses.push(ok ? 200 : 429);
    return ok ? Response.json({ ok: true }) : Response.json({ error: "rate limited" }, { status: 429 });
  };
  return { fetch, statuses, tooMany: () => statuses.filter((s) => s === 429).length };
}

export interface Replica {
  client: Client;
  audit: ReturnType<typeof memoryAudit>;
  state: SharedState;
  close(): Promise<void>;
}

/** One server instance as `createRuntime` builds it: its own Fly client and limiter, the process's one state. */
export async function replica(
  fetch: typeof globalThis.fetch,
  redisUrl?: string,
  logger?: Logger,
): Promise<Replica> {
  const state = await createSharedState({
    redisUrl,
    replicas: 3,
    logger: logger ?? capturingLogger().logger,
    connectWaitMs: 5_000,
  });
  const fly = createFlyClient({
    baseUrl: "http://fly.test",
    userAgent: USER_AGENT,
    fetch,
    sharedLimits: state.limits,
  });
  const audit = memoryAudit();
  const client = await connect(
    createServer({
      tools: coreTools,
      fly,
      access: fullAccess(),
      audit,
      logger: silentLogger(),
      secretsVersions: state.secretsVersions,
    }),
  );
  return {
    client,
    audit,
    state,
    close: async () => {
      await client.close();
      await state.close();
    },
  };
}
