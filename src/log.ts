import { type Logger, type LoggerOptions, pino } from "pino";
import { scrubText } from "./policy/scrub.js";

/** Every serialised line passes the outbound scrubber, `err.message` of someone else's error included. */
const scrubbed = (level: string): LoggerOptions => ({ level, hooks: { streamWrite: scrubText } });

/** Logs go to stderr only: under stdio, stdout is the protocol. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? "info",
  destination?: pino.DestinationStream,
): Logger {
  if (destination) return pino(scrubbed(level), destination);
  if (process.stderr.isTTY) {
    return pino(
      scrubbed(level),
      pino.transport({ target: "pino-pretty", options: { destination: 2, colorize: true } }),
    );
  }
  return pino(scrubbed(level), pino.destination({ fd: 2, sync: false }));
}

export const silentLogger = (): Logger => pino({ level: "silent" });
