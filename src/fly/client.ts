import type { KyInstance } from "ky";
import { authorizationHeader } from "./auth.js";
import { FlyApiError } from "./errors.js";
import { createRateLimiter, type SharedLimits } from "./rate-limiter.js";
import { FLY_RATE_LIMITS, type RateLimitConfig, resolveRateLimits, ruleFor } from "./rate-limits.js";
import { DEFAULT_RETRY, type RetryOptions, withRetries } from "./retry.js";

export type QueryValue = string | number | boolean | readonly string[];

export interface FlyRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path under /v1, already validated and encoded, e.g. `/apps/my-app/machines`. */
  path: string;
  query?: Record<string, QueryValue | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Name of the action (the tool name), for per-action rate limits and logs. */
  action?: string;
  /** App the call targets, for per-app rate limits. */
  app?: string;
  /** The calling agent, so that rate-limit queues take turns between agents. */
  agent?: string;
  /** Lower than the client's cap when the caller keeps only part of the answer (exec output). */
  maxBodyBytes?: number;
  /** Told when the call waits: queued by the rate limit, backing off before a retry, or a long request. */
  onProgress?: (message: string) => void;
}

export interface FlyResponse {
  status: number;
  /** Parsed JSON, a string for text bodies, or undefined for an empty body. */
  data: unknown;
  headers: Headers;
  requestId?: string;
}

export interface FlyClient {
  readonly baseUrl: string;
  request(req: FlyRequest): Promise<FlyResponse>;
}

export interface FlyClientOptions {
  baseUrl: string;
  token?: string;
  /** Replaces the global fetch (the in-process sandbox, tests). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  userAgent: string;
  /** Fly's published limits by default; `false` sends every call at once. */
  rateLimits?: Partial<RateLimitConfig> | false;
  /** Buckets shared with other replicas through Redis (--redis-url). */
  sharedLimits?: SharedLimits;
  /** Retries of calls that are safe to repeat; `false` sends each call once. */
  retry?: Partial<RetryOptions> | false;
  /** Largest answer read from Fly; reading stops there and the call fails with `too_large`. */
  maxBodyBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Far above any answer the Machines API gives (a full machine list), far below hurting the server. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function buildUrl(baseUrl: string, path: string, query: FlyRequest["query"]): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, "")}/v1${path}`);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
    else url.searchParams.set(key, String(value));
  }
  return url;
}

/** Fly's message from an error body: `{error}`, the lease envelope `{status:"error", message}`, or text. */
export function flyErrorMessage(data: unknown, status: number): { message: string; flyStatus?: string } {
  if (data && typeof data === "object") {
    const body = data as Record<string, unknown>;
    const message =
      typeof body.error === "string"
        ? body.error
        : typeof body.message === "string"
          ? body.message
          : undefined;
    const flyStatus = typeof body.status === "string" && body.status !== "error" ? body.status : undefined;
    if (message) return { message, flyStatus };
  }
  if (typeof data === "string" && data.trim()) return { message: data.trim().slice(0, 2000) };
  return { message: `HTTP ${status} with no error message` };
}

type Where = { method: string; path: string; action?: string };

/**
 * The body as text, `cap` bytes at most: past the cap the rest is cancelled unread, so a huge or
 * endless answer costs `cap` bytes of memory, not its size. A signal stops the reading too.
 */
export async function readCapped(
  res: Response,
  cap: number,
  signal: AbortSignal,
): Promise<{ text: string; cut: boolean }> {
  if (!res.body) return { text: "", cut: false };
  const reader = res.body.getReader();
  const stop = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > cap) {
        chunks.push(value.subarray(0, cap - size));
        size = cap;
        cut = true;
        // Not awaited: a hostile stream may never confirm the cancel.
        stop();
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks, size)), cut };
}

async function readBody(res: Response, where: Where, cap: number, signal: AbortSignal): Promise<unknown> {
  const { text, cut } = await readCapped(res, cap, signal);
  if (cut && res.ok) {
    throw new FlyApiError(res.status, `response over ${cap} bytes, cut: reading stopped there`, {
      kind: "too_large",
      maxBodyBytes: cap,
      requestId: res.headers.get("fly-request-id") ?? undefined,
      ...where,
    });
  }
  // An error body cut short still carries Fly's words at its start.
  if (cut) return text;
  if (!text) return undefined;
  const type = res.headers.get("content-type") ?? "";
  const looksJson = type.includes("json") || (!type.includes("text/plain") && /^\s*[[{"]/.test(text));
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    if (!res.ok) return text;
    throw new FlyApiError(res.status, `Fly answered ${res.status} with a body that is not valid JSON`, {
      kind: "malformed",
      // A write was accepted, but what it did cannot be read from the answer.
      outcomeUnknown: where.method !== "GET",
      requestId: res.headers.get("fly-request-id") ?? undefined,
      ...where,
    });
  }
}

// Failures before any byte of the request left: nothing can have happened on Fly's side.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);

/** Whether a fetch failure provably happened before the request was sent (walks `cause` and `errors`). */
export function failedBeforeSending(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === "string" && NOT_SENT_CODES.has(e.code)) return true;
  if (
    Array.isArray(e.errors) &&
    e.errors.length > 0 &&
    e.errors.every((x) => failedBeforeSending(x, depth + 1))
  ) {
    return true;
  }
  return failedBeforeSending(e.cause, depth + 1);
}

function exchangeFailure(error: unknown, req: FlyRequest, where: Where, deadline: AbortSignal): FlyApiError {
  if (error instanceof FlyApiError) return error;
  const notSent = failedBeforeSending(error);
  // A write that may have left has an unknown effect on Fly.
  const outcomeUnknown = req.method !== "GET" && !notSent;
  if (deadline.aborted && !req.signal?.aborted) {
    return new FlyApiError(0, `no answer within ${req.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, {
      kind: "timeout",
      outcomeUnknown,
      ...where,
    });
  }
  if (req.signal?.aborted)
    return new FlyApiError(0, "cancelled", { kind: "aborted", outcomeUnknown, ...where });
  const cause = error instanceof Error ? error.message : String(error);
  return new FlyApiError(0, `network error: ${cause}`, {
    kind: "network",
    outcomeUnknown,
    notSent: notSent || undefined,
    ...where,
  });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  work.catch(() => {}); // settled later than the race: nobody is left to hear it
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/** One HTTP exchange with the Machines API; every failure becomes a FlyApiError. */
export async function sendOnce(http: KyInstance, baseUrl: string, req: FlyRequest): Promise<FlyResponse> {
  const url = buildUrl(baseUrl, req.path, req.query);
  const where: Where = { method: req.method, path: req.path, action: req.action };
  if (req.signal?.aborted) throw new FlyApiError(0, "cancelled", { kind: "aborted", ...where });
  // setTimeout's range; a retry running late may hand us a value at or below zero.
  const timeoutMs = Math.max(1, Math.min(Math.floor(req.timeoutMs ?? DEFAULT_TIMEOUT_MS), 2 ** 31 - 1));
  const cap = req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // One deadline for headers and body alike (ky's own timeout ends at the headers, so it is off);
  // cleared when the exchange ends, so no timer outlives its call.
  const expiry = new AbortController();
  const deadline = expiry.signal;
  const timer = setTimeout(() => expiry.abort(), timeoutMs);
  let res: Response;
  let data: unknown;
  try {
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    const exchange = (async () => {
      const answer = await http(url, {
        method: req.method,
        // ky drops the instance headers (and the token) when this is undefined.
        headers: req.headers ?? {},
        json: req.body,
        signal,
      });
      return { answer, body: await readBody(answer, where, cap, signal) };
    })();
    // Raced as well as passed on: a fetch or body stream that ignores the signal cannot hang a call.
    ({ answer: res, body: data } = await untilAborted(exchange, signal));
  } catch (error) {
    throw exchangeFailure(error, req, where, deadline);
  } finally {
    clearTimeout(timer);
  }
  const requestId = res.headers.get("fly-request-id") ?? undefined;
  if (!res.ok) {
    const { message, flyStatus } = flyErrorMessage(data, res.status);
    throw new FlyApiError(res.status, message, {
      kind: "http",
      flyStatus,
      requestId,
      retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after")),
      // A 408 on a write is ambiguous too: Fly gave up waiting, not necessarily before acting.
      outcomeUnknown: (res.status >= 500 || res.status === 408) && req.method !== "GET",
      ...where,
    });
  }
  return { status: res.status, data, headers: res.headers, requestId };
}

/** ky is imported on the first request: start-up (the MCP handshake) does not wait for it. */
export async function createKy(options: FlyClientOptions): Promise<KyInstance> {
  const { default: ky } = await import("ky");
  const headers: Record<string, string> = {
    "user-agent": options.userAgent,
    accept: "application/json",
  };
  if (options.token) headers.authorization = authorizationHeader(options.token);
  return ky.create({
    headers,
    retry: 0,
    throwHttpErrors: false,
    timeout: false,
    fetch: options.fetch,
  });
}

export function createFlyClient(options: FlyClientOptions): FlyClient {
  let http: Promise<KyInstance> | undefined;
  const limiter =
    options.rateLimits === false ? undefined : createRateLimiter(options.rateLimits, options.sharedLimits);
  const retry: RetryOptions =
    options.retry === false ? { ...DEFAULT_RETRY, attempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
  const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Fly's refill interval for a call: a 429 without Retry-After waits at least that long.
  const limits = options.rateLimits ? resolveRateLimits(options.rateLimits) : FLY_RATE_LIMITS;
  const refillMs = (req: FlyRequest) => 1000 / ruleFor(limits, req).perSecond;

  const attempt = async (req: FlyRequest, timeoutMs: number, deadline: number): Promise<FlyResponse> => {
    // Loaded before the rate-limit slot is taken, so the slot's time is the time the request leaves.
    http ??= createKy(options).catch((error: unknown) => {
      http = undefined; // the next call tries again
      const why = error instanceof Error ? error.message : String(error);
      throw new FlyApiError(0, `could not load the HTTP client (ky): ${why}; reinstall the package`, {
        kind: "network",
        notSent: true,
        method: req.method,
        path: req.path,
        action: req.action,
      });
    });
    const client = await http;
    await limiter?.acquire(req, {
      signal: req.signal,
      maxWaitMs: deadline - Date.now(),
      onQueued: (ms) =>
        req.onProgress?.(`${req.action ?? req.path}: queued by the rate limit, about ${seconds(ms)} s`),
    });
    // Long calls (wait, exec) say so before they start.
    if (req.timeoutMs !== undefined) {
      req.onProgress?.(`${req.action ?? req.path}: waiting up to ${seconds(timeoutMs)} s for Fly to answer`);
    }
    const cap = Math.min(req.maxBodyBytes ?? maxBodyBytes, maxBodyBytes);
    try {
      return await sendOnce(client, options.baseUrl, { ...req, timeoutMs, maxBodyBytes: cap });
    } catch (error) {
      if (error instanceof FlyApiError && error.status === 429) limiter?.refused(req);
      throw error;
    }
  };

  return {
    baseUrl: options.baseUrl,
    request: (req) =>
      withRetries(
        (timeoutMs, deadline) => attempt(req, timeoutMs, deadline),
        {
          method: req.method,
          action: req.action,
          timeoutMs: req.timeoutMs ?? defaultTimeoutMs,
          refillMs: refillMs(req),
          signal: req.signal,
          onProgress: req.onProgress,
          onAbort: () =>
            new FlyApiError(0, "cancelled while waiting to retry", {
              kind: "aborted",
              method: req.method,
              path: req.path,
              action: req.action,
            }),
        },
        retry,
      ),
  };
}

const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
