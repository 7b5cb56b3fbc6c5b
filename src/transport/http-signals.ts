import type { Logger } from "pino";

export interface CloseOnSignalsOptions {
  logger: Logger;
  signals?: readonly NodeJS.Signals[];
  /** Replaced in tests. */
  exit?: (code: number) => void;
}

/**
 * First SIGTERM/SIGINT: drain and exit 0 (1 if closing failed). A second signal exits at once,
 * for an operator who does not want to wait. Returns a function that removes the handlers.
 */
export function closeOnSignals(
  served: { close(): Promise<void> },
  { logger, signals = ["SIGTERM", "SIGINT"], exit = (code) => process.exit(code) }: CloseOnSignalsOptions,
): () => void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, "second signal; exiting without waiting");
      exit(1);
      return;
    }
    closing = true;
    logger.info({ signal }, "shutting down: finishing in-flight requests");
    served.close().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
