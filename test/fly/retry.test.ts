import { HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { describeFlyError } from "../../src/fly/errors.js";
import { backoffMs, DEFAULT_RETRY } from "../../src/fly/retry.js";
import { createFlyMock } from "../support/fly-mock.js";
import {
  APP,
  client,
  failThen,
  failure,
  json,
  READ_PATH,
  read,
  type Sent,
  settle,
  standIn,
  standInClient,
  useFakeClock,
  WRITE_PATH,
  warm,
  write,
} from "./support.js";

const fly = createFlyMock();
beforeAll(() => fly.start());
afterEach(() => fly.reset());
afterAll(() => fly.stop());

const sent = (path: string) => fly.requests.filter((r) => r.url.pathname === path).length;
const status =
  (code: number, headers: Record<string, string> = {}) =>
  () =>
    json({ error: `status ${code}` }, code, headers);

describe("429: Fly refused the call, so any method is tried again", () => {
  beforeEach(() => useFakeClock());
  afterEach(() => vi.useRealTimers());
  const refuse = (headers: Record<string, string> = {}) =>
    Response.json({ error: "status 429" }, { status: 429, headers });
  const gapsOf = (sent: Sent[]) => sent.slice(1).map((x, k) => x.at - (sent[k]?.at ?? 0));

  it.each([
    ["read", read],
    ["write", write],
  ] as const)("%s without Retry-After recovers", async (_, req) => {
    const fly = standIn((_, n) => (n <= 2 ? refuse() : Response.json({ ok: true })));
    const res = await settle(standInClient(fly.fetch, { rateLimits: false }).request(req));
    expect(res.data).toEqual({ ok: true });
    expect(fly.sent).toHaveLength(3);
  });

  it.each([
    ["read", read],
    ["write", write],
  ] as const)("%s waits the seconds Retry-After asks for", async (_, req) => {
    const fly = standIn((_, n) => (n === 1 ? refuse({ "retry-after": "3" }) : Response.json({ ok: true })));
    await settle(standInClient(fly.fetch, { rateLimits: false }).request(req));
    expect(fly.sent).toHaveLength(2);
    expect(gapsOf(fly.sent)[0]).toBeGreaterThanOrEqual(3000);
    expect(gapsOf(fly.sent)[0]).toBeLessThan(3100);
  });

  it("honours Retry-After as an HTTP date", async () => {
    // The date is taken when Fly answers, as a server would.
    const at = () => new Date(Date.now() + 5500).toUTCString();
    const fly = standIn((_, n) => (n === 1 ? refuse({ "retry-after": at() }) : Response.json({ ok: true })));
    await settle(standInClient(fly.fetch, { rateLimits: false }).request(write));
    expect(fly.sent).toHaveLength(2);
    // The date has whole seconds: 5 or 6 s from now.
    expect(gapsOf(fly.sent)[0]).toBeGreaterThanOrEqual(4500);
  });

  it("does not wait out a Retry-After longer than the cap; the agent is told to wait", async () => {
    const fly = standIn(() => refuse({ "retry-after": "120" }));
    const err = await settle(failure(standInClient(fly.fetch, { rateLimits: false }).request(write)));
    expect(err.status).toBe(429);
    expect(err.details.retryAfterSeconds).toBe(120);
    expect(fly.sent).toHaveLength(1);
    expect(describeFlyError(err)).toContain("Wait 120s");
  });

  it("gives up after the configured attempts and says how many", async () => {
    const fly = standIn(() => refuse());
    const err = await settle(failure(standInClient(fly.fetch, { rateLimits: false }).request(write)));
    expect(fly.sent).toHaveLength(3);
    expect(err.details.attempts).toBe(3);
    expect(describeFlyError(err)).toContain("after 3 attempts");
  });
});

describe("5xx", () => {
  it.each([500, 502, 503, 504])("a read recovers after %i twice", async (code) => {
    fly.reply("GET", READ_PATH, failThen([status(code), status(code)]));
    const res = await client().request(read);
    expect(res.status).toBe(200);
    expect(sent(READ_PATH)).toBe(3);
  });

  it("a read that keeps failing stops at the attempt limit", async () => {
    fly.reply("GET", READ_PATH, status(503));
    const err = await failure(
      client({ retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 } }).request(read),
    );
    expect(err.status).toBe(503);
    expect(err.details.outcomeUnknown).toBe(false);
    expect(sent(READ_PATH)).toBe(4);
  });

  it.each([500, 502, 503])(
    "a write answered %i is sent exactly once and its outcome is unknown",
    async (code) => {
      fly.reply("POST", WRITE_PATH, status(code));
      const err = await failure(client().request(write));
      expect(sent(WRITE_PATH)).toBe(1);
      expect(err.details.outcomeUnknown).toBe(true);
      const text = describeFlyError(err);
      expect(text).toContain("may or may not have taken effect");
      expect(text).toContain("machines_get");
    },
  );

  it.each([
    ["machines_create", "POST", `/apps/${APP}/machines`, "machines_list"],
    ["apps_create", "POST", "/apps", "apps_get"],
    ["secrets_set", "POST", `/apps/${APP}/secrets`, "secrets_list"],
    ["volumes_create", "POST", `/apps/${APP}/volumes`, "volumes_list"],
    ["machines_delete", "DELETE", `/apps/${APP}/machines/abc`, "machines_get"],
  ] as const)("%s says how to check whether it happened", async (action, method, path, hint) => {
    fly.reply(method, `/v1${path}`, status(502));
    const err = await failure(client().request({ method, path, action, app: APP, body: {} }));
    expect(fly.requests).toHaveLength(1);
    expect(describeFlyError(err)).toContain(hint);
  });

  it("501 is not transient: a read is not repeated", async () => {
    fly.reply("GET", READ_PATH, status(501));
    await failure(client().request(read));
    expect(sent(READ_PATH)).toBe(1);
  });

  it("4xx other than 429 is never repeated", async () => {
    fly.reply("GET", READ_PATH, status(404));
    await failure(client().request(read));
    expect(sent(READ_PATH)).toBe(1);
  });
});

describe("connection failures", () => {
  it("a reset read is tried again", async () => {
    fly.reply("GET", READ_PATH, failThen([() => HttpResponse.error()]));
    const res = await client().request(read);
    expect(res.data).toEqual({ ok: true });
    expect(sent(READ_PATH)).toBe(2);
  });

  it("a reset write is sent once and reported as maybe done", async () => {
    fly.reply("POST", WRITE_PATH, failThen([() => HttpResponse.error()]));
    const err = await failure(client().request(write));
    expect(err.details.kind).toBe("network");
    expect(err.details.outcomeUnknown).toBe(true);
    expect(sent(WRITE_PATH)).toBe(1);
    expect(describeFlyError(err)).toContain("may or may not have taken effect");
  });

  it.each(["ECONNREFUSED", "ENOTFOUND"])(
    "a write refused before sending (%s) is tried again",
    async (code) => {
      let refused = 0;
      const flaky: typeof fetch = (input, init) => {
        if (refused++ === 0) {
          const cause = Object.assign(new Error(`connect ${code}`), { code });
          return Promise.reject(new TypeError("fetch failed", { cause }));
        }
        return fetch(input, init);
      };
      const res = await client({ fetch: flaky }).request(write);
      expect(res.status).toBe(200);
      expect(sent(WRITE_PATH)).toBe(1);
    },
  );

  it("a refused connection hidden in an AggregateError counts as not sent", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED ::1:443"), { code: "ECONNREFUSED" });
    const flaky: typeof fetch = () =>
      Promise.reject(new TypeError("fetch failed", { cause: new AggregateError([refused, refused]) }));
    const err = await failure(client({ fetch: flaky }).request(write));
    expect(err.details.notSent).toBe(true);
    expect(err.details.outcomeUnknown).toBe(false);
    expect(err.details.attempts).toBe(3);
  });

  it("any other fetch failure on a write counts as maybe sent", async () => {
    let calls = 0;
    const flaky: typeof fetch = () => {
      calls++;
      const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return Promise.reject(new TypeError("fetch failed", { cause }));
    };
    const err = await failure(client({ fetch: flaky }).request(write));
    expect(calls).toBe(1);
    expect(err.details.outcomeUnknown).toBe(true);
  });
});

describe("timeouts: every attempt has its own", () => {
  beforeEach(() => useFakeClock());
  afterEach(() => vi.useRealTimers());
  /** Never answers; gives up only when the request is aborted. */
  const hang = (req: Request) =>
    new Promise<Response>((_, reject) =>
      req.signal.addEventListener("abort", () => reject(req.signal.reason)),
    );
  const hangThenAnswer = (req: Request, n: number) => (n === 1 ? hang(req) : Response.json({ ok: true }));

  it("a read that times out is tried again", async () => {
    const fly = standIn(hangThenAnswer);
    const res = await settle(
      standInClient(fly.fetch, { rateLimits: false }).request({ ...read, timeoutMs: 80 }),
    );
    expect(res.data).toEqual({ ok: true });
    expect(fly.sent).toHaveLength(2);
    expect((fly.sent[1]?.at ?? 0) - (fly.sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(80);
  });

  it("a write that times out is sent once, outcome unknown", async () => {
    const fly = standIn(hangThenAnswer);
    const err = await settle(
      failure(standInClient(fly.fetch, { rateLimits: false }).request({ ...write, timeoutMs: 80 })),
    );
    expect(performance.now() - (fly.sent[0]?.at ?? 0)).toBe(80);
    expect(err.details.kind).toBe("timeout");
    expect(err.details.outcomeUnknown).toBe(true);
    expect(fly.sent).toHaveLength(1);
    expect(describeFlyError(err)).toContain("machines_get");
  });

  it("the whole call is bounded by totalMs", async () => {
    const fly = standIn(hang);
    const client = standInClient(fly.fetch, {
      rateLimits: false,
      retry: { attempts: 10, baseDelayMs: 1, maxDelayMs: 1, totalMs: 200 },
    });
    await warm(client);
    const err = await settle(failure(client.request({ ...read, timeoutMs: 60 })));
    expect(err.details.kind).toBe("timeout");
    expect(performance.now() - (fly.sent[0]?.at ?? 0)).toBeLessThanOrEqual(200);
    // 60 ms each: a fourth attempt would not have its full time left.
    expect(fly.sent).toHaveLength(3);
  });
});

describe("bodies that are not JSON", () => {
  const garbage = () => new Response('{"trunc', { headers: { "content-type": "application/json" } });

  it("a garbled 200 on a read is tried again", async () => {
    fly.reply("GET", READ_PATH, failThen([garbage]));
    const res = await client().request(read);
    expect(res.data).toEqual({ ok: true });
    expect(sent(READ_PATH)).toBe(2);
  });

  it("a read that stays garbled ends as malformed", async () => {
    fly.reply("GET", READ_PATH, garbage);
    const err = await failure(client().request(read));
    expect(err.details.kind).toBe("malformed");
    expect(err.details.outcomeUnknown).toBe(false);
    expect(describeFlyError(err)).toContain("not valid JSON");
  });

  it("a garbled 200 on a write is not repeated and says the outcome is unknown", async () => {
    fly.reply("POST", `/v1/apps/${APP}/machines`, garbage);
    const err = await failure(
      client().request({
        method: "POST",
        path: `/apps/${APP}/machines`,
        action: "machines_create",
        app: APP,
        body: {},
      }),
    );
    expect(fly.requests).toHaveLength(1);
    expect(err.details).toMatchObject({ kind: "malformed", outcomeUnknown: true });
    expect(describeFlyError(err)).toContain("machines_list");
  });
});

describe("switches and progress", () => {
  it("retry: false sends each call once", async () => {
    fly.reply("GET", READ_PATH, status(503));
    await failure(client({ retry: false }).request(read));
    expect(sent(READ_PATH)).toBe(1);
  });

  it("reports each backoff", async () => {
    fly.reply("GET", READ_PATH, failThen([status(503), status(429, { "retry-after": "0" })]));
    const messages: string[] = [];
    await client().request({ ...read, onProgress: (m) => messages.push(m) });
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/machines_get: Fly answered 503; trying again in .* s \(attempt 2 of 3\)/);
    expect(messages[1]).toMatch(/Fly answered 429; trying again in 0\.00 s \(attempt 3 of 3\)/);
  });

  it("announces a long request before it starts", async () => {
    const messages: string[] = [];
    await client().request({
      ...read,
      path: `${read.path}/wait`,
      action: "machines_wait",
      timeoutMs: 65_000,
      onProgress: (m) => messages.push(m),
    });
    expect(messages).toEqual(["machines_wait: waiting up to 65 s for Fly to answer"]);
  });

  it("backoff is full jitter below a doubling cap", () => {
    const opts = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffMs(1, opts, () => 0.999)).toBe(99);
    expect(backoffMs(3, opts, () => 0.5)).toBe(200);
    expect(backoffMs(10, opts, () => 0.999)).toBe(999);
    expect(backoffMs(2, opts, () => 0)).toBe(0);
  });
});
