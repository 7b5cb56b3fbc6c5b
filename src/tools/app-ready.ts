import { FlyApiError } from "../fly/errors.js";
import { RefusedCall } from "./request.js";
import type { ToolContext } from "./types.js";

/** flyctl waits up to a minute for a new app; Fly answers 404 or 401 until every API node knows it. */
export const APP_READY_TIMEOUT_MS = 60_000;
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 2_000;
const NOT_YET = new Set([401, 404]);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Reads the app until Fly shows it, so the agent's next call does not meet a 404 or a 401. The app is
 * created by then: any other failure of the read ends the wait quietly rather than make the create
 * look failed (and tempt a second create).
 */
export interface WaitClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: WaitClock = { now: () => Date.now(), sleep };

export async function waitForApp(
  name: string,
  ctx: ToolContext,
  timeoutMs = APP_READY_TIMEOUT_MS,
  clock: WaitClock = realClock,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  for (let delay = FIRST_DELAY_MS; ; delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      await ctx.fly.request({
        method: "GET",
        path: `/apps/${name}`,
        action: "apps_get",
        app: name,
        signal: ctx.signal,
      });
      return;
    } catch (error) {
      if (!(error instanceof FlyApiError) || !NOT_YET.has(error.status)) {
        if (ctx.signal?.aborted) throw error;
        return;
      }
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new RefusedCall(
        `App ${name} was created, but Fly still answers 404/401 for it after ${Math.round(timeoutMs / 1000)} s. ` +
          "Do not create it again: wait a minute, then check with apps_get.",
        "created_not_ready",
      );
    }
    await clock.sleep(Math.min(delay, left), ctx.signal);
  }
}
