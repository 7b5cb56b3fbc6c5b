import type { McpServer } from "@modelcontextprotocol/server";
import { serveStdio as serveBothEras } from "@modelcontextprotocol/server/stdio";
import type { Logger } from "pino";
import { callsInFlight, callsSettled } from "./calls-in-flight.js";

export interface StdioOptions {
  logger: Logger;
  /** How long cancelled calls get to write their audit lines before the process goes on. */
  graceMs?: number;
}

/**
 * Serves one client over stdin/stdout until the client goes away (stdin ends or closes). The
 * client's opening picks the era: `server/discover` (2026-07-28) or `initialize` (2025-11-25),
 * served by a server from `factory`. When the client leaves nobody can read an answer, so calls in
 * flight are aborted (their Fly requests see the signal) and awaited, so each leaves its audit
 * line before the caller closes the log.
 */
export async function serveStdio(
  factory: () => McpServer,
  { logger, graceMs = 5_000 }: StdioOptions,
): Promise<void> {
  const servers: McpServer[] = [];
  const gone = new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  const handle = serveBothEras(
    () => {
      const server = factory();
      servers.push(server);
      return server;
    },
    { onerror: (error) => logger.debug({ err: error }, "stdio connection error") },
  );
  await gone;
  const calls = servers.reduce((n, s) => n + callsInFlight(s), 0);
  if (calls > 0) logger.warn({ calls }, "the client closed stdin; aborting the calls in flight");
  await handle.close();
  const settled = await Promise.all(servers.map((s) => callsSettled(s, graceMs)));
  if (!settled.every(Boolean)) {
    logger.warn(
      { calls: servers.reduce((n, s) => n + callsInFlight(s), 0) },
      "calls still running after the client left; exiting anyway",
    );
  }
}
