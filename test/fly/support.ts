import { HttpResponse } from "msw";
import { vi } from "vitest";
import {
  createFlyClient,
  type FlyClient,
  type FlyClientOptions,
  type FlyRequest,
} from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { settleWithFakeTimers } from "../support/fake-time.js";
import { MOCK_BASE_URL, MOCK_TOKEN } from "../support/fly-mock.js";

export const APP = "demo-app";
export const M = "3d8d413b29d089";
export const M2 = "148e272b7ed089";

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  HttpResponse.json(body as Record<string, unknown>, { status, headers });

/** A client against the msw mock with tiny backoff and no rate limit unless asked. */
export const client = (opts: Partial<FlyClientOptions> = {}) =>
  createFlyClient({
    baseUrl: MOCK_BASE_URL,
    token: MOCK_TOKEN,
    userAgent: "fly-test",
    rateLimits: false,
    retry: { attempts: 3, baseDelayMs: 2, maxDelayMs: 10 },
    ...opts,
  });

export const read: FlyRequest = {
  method: "GET",
  path: `/apps/${APP}/machines/${M}`,
  action: "machines_get",
  app: APP,
};
export const write: FlyRequest = {
  method: "POST",
  path: `/apps/${APP}/machines/${M}/start`,
  action: "machines_start",
  app: APP,
};
export const READ_PATH = `/v1/apps/${APP}/machines/${M}`;
export const WRITE_PATH = `/v1/apps/${APP}/machines/${M}/start`;

/** The FlyApiError a call fails with. */
export async function failure(promise: Promise<unknown>): Promise<FlyApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FlyApiError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** A responder that answers with `failures` in turn, then with `ok` forever. */
export function failThen(failures: Array<() => Response>, ok: () => Response = () => json({ ok: true })) {
  let n = 0;
  return () => (n < failures.length ? failures[n++]!() : ok());
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fake `setTimeout`, `Date` and `performance`: limiter, retry and timeout tests never race the wall clock. */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
}

/** Advances the fake clock in small steps until `promise` settles (or `limitMs` of fake time passed). */
export const settle = <T>(promise: Promise<T>, limitMs = 600_000, stepMs = 5): Promise<T> =>
  settleWithFakeTimers(promise, stepMs, limitMs);

export interface Sent {
  method: string;
  path: string;
  /** Fake time at which the request reached the stand-in. */
  at: number;
}

/** A stand-in for Fly as a fetch function: no sockets, so it runs under the fake clock. */
export function standIn(answer: (req: Request, n: number) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    if (new URL(req.url).pathname === WARM_PATH) return new Response(null, { status: 204 });
    sent.push({ method: req.method, path: new URL(req.url).pathname, at: performance.now() });
    return answer(req, sent.length);
  };
  return { fetch, sent };
}

/** Waits, in real time and without moving the fake clock, until the stand-in has seen `count` requests. */
export async function untilSent(sent: Sent[], count = 1): Promise<void> {
  while (sent.length < count) await new Promise((resolve) => setImmediate(resolve));
}

const WARM_PATH = "/v1/warm-up";

/**
 * Sends one request the stand-in answers unseen: the client loads its HTTP library on its first
 * request, which takes real time while a test steps the fake clock.
 */
export const warm = (client: FlyClient) => settle(client.request({ method: "GET", path: "/warm-up" }));

/** A client against a stand-in, with Fly's default limits unless told otherwise. */
export const standInClient = (fetch: typeof globalThis.fetch, opts: Partial<FlyClientOptions> = {}) =>
  createFlyClient({ baseUrl: "http://fly.test", userAgent: "fly-test", fetch, ...opts });
