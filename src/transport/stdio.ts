import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Logger } from "pino";
import { callsInFlight, callsSettled } from "./calls-in-flight.js";

export interface StdioOptions {
  logger: Logger;
  /** How long cancelled calls get to write their audit lines before the process goes on. */
  graceMs?: number;
}

/**
 * Serves one client over stdin/stdout until the client goes away (stdin ends or closes). Then
 * nobody can read an answer, so calls in flight are aborted (their Fly requests see the signal)
 * and awaited, so each leaves its audit line before the caller closes the log.
 */
export async function serveStdio(
  server: McpServer,
  { logger, graceMs = 5_000 }: StdioOptions,
): Promise<void> {
  const transport = new StdioServerTransport();
  const gone = new Promise<void>((resolve) => {
    // Set before connect: the SDK chains its own close handling (which aborts calls) after it.
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  await server.connect(transport);
  await gone;
  const calls = callsInFlight(server);
  if (calls > 0) logger.warn({ calls }, "the client closed stdin; aborting the calls in flight");
  await server.close();
  if (!(await callsSettled(server, graceMs))) {
    logger.warn(
      { calls: callsInFlight(server) },
      "calls still running after the client left; exiting anyway",
    );
  }
}
