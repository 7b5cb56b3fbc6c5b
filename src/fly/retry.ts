import { sleep } from "./abort.js";
import { FlyApiError } from "./errors.js";

export interface RetryOptions {
  /** Tries in all, the first one included; 1 turns retries off. */
  attempts: number;
  /** Backoff cap of the first retry; doubles on each further one (full jitter below the cap). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A 429 asking for a longer pause is handed to the agent instead of waited out. */
  maxRetryAfterMs: number;
  /** Bound on the whole call across retries (never shorter than one attempt's timeout). */
  totalMs: number;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  totalMs: 90_000,
};

const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/**
 * Whether sending again is safe: a 429 means Fly refused the request, a request that never left
 * cannot have done anything, and a GET changes nothing. Any other write may have reached Fly.
 */
export function isRetryable(error: FlyApiError, method: string): boolean {
  const { kind, notSent } = error.details;
  if (kind === "aborted" || kind === "rate_limited_locally") return false;
  if (error.status === 429 || notSent) return true;
  if (method !== "GET") return false;
  if (kind === "timeout" || kind === "network" || kind === "malformed") return true;
  return TRANSIENT_STATUS.has(error.status);
}

/** Full-jitter exponential backoff for retry number `retry` (1 = first retry). */
export function backoffMs(retry: number, opts: RetryOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}

/**
 * Pause before the next try, or undefined when Fly asked for a longer pause than we wait out. A
 * 429 without `Retry-After` waits at least `refillMs`, the time Fly's bucket takes to hold a token.
 */
export function delayBeforeRetry(
  error: FlyApiError,
  retry: number,
  opts: RetryOptions,
  refillMs = 0,
): number | undefined {
  const retryAfter = error.status === 429 ? error.details.retryAfterSeconds : undefined;
  if (retryAfter === undefined) {
    const backoff = backoffMs(retry, opts);
    return error.status === 429 ? Math.max(backoff, Math.ceil(refillMs)) : backoff;
  }
  const ms = retryAfter * 1000;
  return ms > opts.maxRetryAfterMs ? undefined : ms;
}

export interface RetryPlan {
  method: string;
  action?: string;
  /** Timeout of one attempt. */
  timeoutMs: number;
  /** Fly's refill interval for this action, the least a 429 without Retry-After waits. */
  refillMs?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  onAbort: () => FlyApiError;
}

function reason(error: FlyApiError): string {
  if (error.status > 0) return `Fly answered ${error.status}`;
  return error.details.kind === "timeout" ? "no answer in time" : `${error.details.kind ?? "a"} failure`;
}

/** Runs `attempt` until it succeeds, fails for good, or the tries or the time run out. */
export async function withRetries<T>(
  attempt: (timeoutMs: number, deadline: number) => Promise<T>,
  plan: RetryPlan,
  opts: RetryOptions,
): Promise<T> {
  const deadline = Date.now() + Math.max(opts.totalMs, plan.timeoutMs);
  let previous: FlyApiError | undefined;
  for (let tries = 1; ; tries++) {
    const left = deadline - Date.now();
    try {
      return await attempt(Math.min(plan.timeoutMs, left), deadline);
    } catch (error) {
      if (!(error instanceof FlyApiError)) throw error;
      // A retry that found no room in the rate limit: Fly's own answer says more.
      if (previous && error.details.kind === "rate_limited_locally") {
        throw new FlyApiError(previous.status, previous.message, {
          ...previous.details,
          attempts: tries - 1,
        });
      }
      previous = error;
      const delay =
        tries < opts.attempts && isRetryable(error, plan.method)
          ? delayBeforeRetry(error, tries, opts, plan.refillMs)
          : undefined;
      // A timed-out attempt is only worth repeating with its full time again.
      const needs = error.details.kind === "timeout" ? plan.timeoutMs : 0;
      if (delay === undefined || Date.now() + delay + needs >= deadline) {
        if (tries === 1) throw error;
        throw new FlyApiError(error.status, error.message, { ...error.details, attempts: tries });
      }
      const seconds = (delay / 1000).toFixed(delay < 1000 ? 2 : 1);
      plan.onProgress?.(
        `${plan.action ?? plan.method}: ${reason(error)}; trying again in ${seconds} s (attempt ${tries + 1} of ${opts.attempts})`,
      );
      await sleep(delay, plan.signal, plan.onAbort);
    }
  }
}
