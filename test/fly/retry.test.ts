import { HttpResponse } from "msw";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeFlyError } from "../../src/fly/errors.js";
import { DEFAULT_RETRY, backoffMs } from "../../src/fly/retry.js";
import { createFlyMock } from "../support/fly-mock.js";
import {
  APP,
  READ_PATH,
  WRITE_PATH,
  client,
  delay,
  failThen,
  failure,
  json,
  read,
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
  it.each([
    ["read", read, "GET", READ_PATH],
    ["write", write, "POST", WRITE_PATH],
  ] as const)("%s without Retry-After recovers", async (_, req, method, path) => {
    fly.reply(method, path, failThen([status(429), status(429)]));
    const res = await client().request(req);
    expect(res.data).toEqual({ ok: true });
    expect(sent(path)).toBe(3);
  });

  it.each([
    ["read", read, "GET", READ_PATH],
    ["write", write, "POST", WRITE_PATH],
  ] as const)("%s waits the seconds Retry-After asks for", async (_, req, method, path) => {
    fly.reply(method, path, failThen([status(429, { "retry-after": "1" })]));
    const started = Date.now();
    await client().request(req);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(sent(path)).toBe(2);
  });

  it("honours Retry-After as an HTTP date", async () => {
    const at = new Date(Date.now() + 1500).toUTCString();
    fly.reply("POST", WRITE_PATH, failThen([status(429, { "retry-after": at })]));
    const started = Date.now();
    await client().request(write);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(sent(WRITE_PATH)).toBe(2);
  });

  it("does not wait out a Retry-After longer than the cap; the agent is told to wait", async () => {
    fly.reply("POST", WRITE_PATH, status(429, { "retry-after": "120" }));
    const err = await failure(client().request(write));
    expect(err.status).toBe(429);
    expect(err.details.retryAfterSeconds).toBe(120);
    expect(sent(WRITE_PATH)).toBe(1);
    expect(describeFlyError(err)).toContain("Wait 120s");
  });

  it("gives up after the configured attempts and says how many", async () => {
    fly.reply("POST", WRITE_PATH, status(429));
    const err = await failure(client().request(write));
    expect(sent(WRITE_PATH)).toBe(3);
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
  const slowThenFast = () => {
    let n = 0;
    return async () => {
      if (n++ === 0) await delay(400);
      return json({ ok: true });
    };
  };

  it("a read that times out is tried again", async () => {
    fly.reply("GET", READ_PATH, slowThenFast());
    const res = await client().request({ ...read, timeoutMs: 80 });
    expect(res.data).toEqual({ ok: true });
    expect(sent(READ_PATH)).toBe(2);
  });

  it("a write that times out is sent once, outcome unknown", async () => {
    fly.reply("POST", WRITE_PATH, slowThenFast());
    const started = Date.now();
    const err = await failure(client().request({ ...write, timeoutMs: 80 }));
    expect(Date.now() - started).toBeLessThan(350);
    expect(err.details.kind).toBe("timeout");
    expect(err.details.outcomeUnknown).toBe(true);
    expect(sent(WRITE_PATH)).toBe(1);
    expect(describeFlyError(err)).toContain("machines_get");
  });

  it("the whole call is bounded by totalMs", async () => {
    fly.reply("GET", READ_PATH, async () => {
      await delay(400);
      return json({});
    });
    const started = Date.now();
    const err = await failure(
      client({ retry: { attempts: 10, baseDelayMs: 1, maxDelayMs: 1, totalMs: 200 } }).request({
        ...read,
        timeoutMs: 60,
      }),
    );
    expect(err.details.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(350);
    expect(sent(READ_PATH)).toBeLessThanOrEqual(4);
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
