import ky, { type KyInstance, TimeoutError } from "ky";
import { authorizationHeader } from "./auth.js";
import { FlyApiError } from "./errors.js";

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
}

export const DEFAULT_TIMEOUT_MS = 30_000;

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
      typeof body.error === "string" ? body.error : typeof body.message === "string" ? body.message : undefined;
    const flyStatus = typeof body.status === "string" && body.status !== "error" ? body.status : undefined;
    if (message) return { message, flyStatus };
  }
  if (typeof data === "string" && data.trim()) return { message: data.trim().slice(0, 2000) };
  return { message: `HTTP ${status} with no error message` };
}

async function readBody(res: Response, method: string, path: string): Promise<unknown> {
  const text = await res.text();
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
      method,
      path,
      requestId: res.headers.get("fly-request-id") ?? undefined,
    });
  }
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** One HTTP exchange with the Machines API; every failure becomes a FlyApiError. */
export async function sendOnce(http: KyInstance, baseUrl: string, req: FlyRequest): Promise<FlyResponse> {
  const url = buildUrl(baseUrl, req.path, req.query);
  const where = { method: req.method, path: req.path };
  let res: Response;
  try {
    res = await http(url, {
      method: req.method,
      // ky drops the instance headers (and the token) when this is undefined.
      headers: req.headers ?? {},
      json: req.body,
      timeout: req.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      signal: req.signal,
    });
  } catch (error) {
    // A request body was sent if this is a write; its effect on Fly is then unknown.
    const outcomeUnknown = req.method !== "GET";
    if (error instanceof TimeoutError) {
      throw new FlyApiError(0, `no answer within ${req.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`, {
        kind: "timeout",
        outcomeUnknown,
        ...where,
      });
    }
    if (req.signal?.aborted) throw new FlyApiError(0, "cancelled", { kind: "aborted", ...where });
    const cause = error instanceof Error ? error.message : String(error);
    throw new FlyApiError(0, `network error: ${cause}`, { kind: "network", outcomeUnknown, ...where });
  }
  const requestId = res.headers.get("fly-request-id") ?? undefined;
  const data = await readBody(res, req.method, req.path);
  if (!res.ok) {
    const { message, flyStatus } = flyErrorMessage(data, res.status);
    throw new FlyApiError(res.status, message, {
      kind: "http",
      flyStatus,
      requestId,
      retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after")),
      outcomeUnknown: res.status >= 500 && req.method !== "GET",
      ...where,
    });
  }
  return { status: res.status, data, headers: res.headers, requestId };
}

export function createKy(options: FlyClientOptions): KyInstance {
  const headers: Record<string, string> = {
    "user-agent": options.userAgent,
    accept: "application/json",
  };
  if (options.token) headers.authorization = authorizationHeader(options.token);
  return ky.create({
    headers,
    retry: 0,
    throwHttpErrors: false,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: options.fetch,
  });
}

export function createFlyClient(options: FlyClientOptions): FlyClient {
  const http = createKy(options);
  return {
    baseUrl: options.baseUrl,
    request: (req) => sendOnce(http, options.baseUrl, req),
  };
}
