import { vi } from "vitest";

/**
 * Settles a promise whose work sleeps on faked timers: advances the fake clock in steps and lets real
 * I/O (the mocked network) run in between, until the promise settles or `maxMs` of fake time passed.
 */
export async function settleWithFakeTimers<T>(promise: Promise<T>, stepMs = 250, maxMs = 50_000): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += stepMs) {
    // One real turn of the event loop first (setImmediate is not faked): work waiting on real I/O or
    // streams moves on before fake time does, so a busy machine cannot make fake time outrun it.
    await new Promise((resolve) => setImmediate(resolve));
    if (!done) await vi.advanceTimersByTimeAsync(stepMs);
  }
  return promise;
}
