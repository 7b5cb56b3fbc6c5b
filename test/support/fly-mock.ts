import { HttpResponse, http } from "msw";
import { type SetupServer, setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { authorizationHeader } from "../../src/fly/auth.js";

/** A request as it reached the mock. `body` is parsed JSON, the raw text if not JSON, or undefined if empty. */
export interface Captured {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
  rawBody: string;
}

export type Responder = (req: Captured, params: Record<string, string>) => Response | Promise<Response>;

export interface FlyMockOptions {
  baseUrl?: string;
  token?: string;
}

export interface FlyMock {
  server: SetupServer;
  baseUrl: string;
  token: string;
  /** The Authorization header the mock expects. */
  authorization: string;
  /** Every request that reached the mock, in order (including rejected ones). */
  requests: Captured[];
  /** Answer `method` (or "*") on `pathPattern` (`:param` and `*` segments; `/v1` is optional); the latest wins. */
  reply(method: string, pathPattern: string, responder: Responder): void;
  /** Clears the captured requests and the overrides. */
  reset(): void;
  start(): void;
  stop(): void;
}

export const MOCK_BASE_URL = "https://api.machines.test";
export const MOCK_TOKEN = "fm2_mock-token";

interface Override {
  method: string;
  segments: string[];
  responder: Responder;
}

/** `:name` takes one non-empty segment, a trailing `*` takes the rest of the path. */
function matchPath(pattern: string[], pathname: string): Record<string, string> | undefined {
  const segments = pathname.split("/").slice(1);
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]!;
    const segment = segments[i];
    if (part === "*" && i === pattern.length - 1) return segment === undefined ? undefined : params;
    if (segment === undefined || segment === "") return undefined;
    if (part === "*") continue;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
    else if (part !== segment) return undefined;
  }
  return pattern.length === segments.length ? params : undefined;
}

export function createFlyMock(opts: FlyMockOptions = {}): FlyMock {
  const baseUrl = (opts.baseUrl ?? MOCK_BASE_URL).replace(/\/+$/, "");
  const token = opts.token ?? MOCK_TOKEN;
  const authorization = authorizationHeader(token);
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const requests: Captured[] = [];
  let overrides: Override[] = [];

  // One catch-all, so capture and the auth check happen before any override.
  const server = setupServer(
    http.all(`${baseUrl}/v1/*`, async ({ request }) => {
      const rawBody = await request.text();
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = rawBody;
      }
      const captured: Captured = {
        method: request.method,
        url: new URL(request.url),
        headers: new Headers(request.headers),
        body,
        rawBody,
      };
      requests.push(captured);

      if (request.headers.get("authorization") !== authorization) {
        return HttpResponse.json({ error: "Authenticate: token validation error" }, { status: 401 });
      }
      const pathname = captured.url.pathname.slice(basePath.length);
      for (const o of [...overrides].reverse()) {
        if (o.method !== "*" && o.method !== captured.method) continue;
        const params = matchPath(o.segments, pathname);
        if (params) return o.responder(captured, params);
      }
      return HttpResponse.json({});
    }),
  );

  return {
    server,
    baseUrl,
    token,
    authorization,
    requests,
    reply(method, pathPattern, responder) {
      const path =
        pathPattern.startsWith("/v1/") || pathPattern === "/v1" ? pathPattern : `/v1${pathPattern}`;
      overrides.push({ method: method.toUpperCase(), segments: path.split("/").slice(1), responder });
    },
    reset() {
      requests.length = 0;
      overrides = [];
    },
    start: () => server.listen({ onUnhandledRequest: "error" }),
    stop: () => server.close(),
  };
}

/** A mock started for the whole file and cleared after each test. */
export function useFlyMock(opts: FlyMockOptions = {}): FlyMock {
  const mock = createFlyMock(opts);
  beforeAll(() => mock.start());
  afterEach(() => mock.reset());
  afterAll(() => mock.stop());
  return mock;
}

/** A JSON answer as Fly sends it. */
export const jsonResponse = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
