import { HttpResponse } from "msw";
import { type FlyClientOptions, type FlyRequest, createFlyClient } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
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
