import { pino, type Logger } from "pino";

/** Logs go to stderr only: under stdio, stdout is the protocol. */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  if (process.stderr.isTTY) {
    return pino({ level }, pino.transport({ target: "pino-pretty", options: { destination: 2, colorize: true } }));
  }
  return pino({ level }, pino.destination({ fd: 2, sync: false }));
}

export const silentLogger = (): Logger => pino({ level: "silent" });
