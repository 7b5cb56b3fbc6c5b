import { HttpResponse } from "msw";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFlyClient, type FlyClient, type FlyRequest } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { createFlyMock } from "./fly-mock.js";
import { validateRequest } from "./openapi-spec.js";

const mock = createFlyMock();

// ky replaces the instance headers (token, user-agent) when a call passes `headers: undefined`, which
// sendOnce does for requests without extra headers; an empty object keeps them.
const withHeaders = (c: FlyClient): FlyClient => ({
  baseUrl: c.baseUrl,
  request: (req: FlyRequest) => c.request({ ...req, headers: req.headers ?? {} }),
});
const client = () =>
  withHeaders(createFlyClient({ baseUrl: mock.baseUrl, token: mock.token, userAgent: "fly-mock-test" }));

beforeAll(() => mock.start());
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

describe("createFlyMock", () => {
  it("captures method, url, headers and body and answers {} by default", async () => {
    const res = await client().request({
      method: "POST",
      path: "/apps/my-app/machines/m1/stop",
      query: { force: true },
      headers: { "fly-machine-lease-nonce": "n1" },
      body: { signal: "SIGTERM" },
    });
    expect(res).toMatchObject({ status: 200, data: {} });
    expect(mock.requests).toHaveLength(1);
    const [req] = mock.requests;
    expect(req!.method).toBe("POST");
    expect(req!.url.href).toBe(`${mock.baseUrl}/v1/apps/my-app/machines/m1/stop?force=true`);
    expect(req!.headers.get("authorization")).toBe(`FlyV1 ${mock.token}`);
    expect(req!.headers.get("fly-machine-lease-nonce")).toBe("n1");
    expect(req!.headers.get("user-agent")).toBe("fly-mock-test");
    expect(req!.body).toEqual({ signal: "SIGTERM" });
    expect(req!.rawBody).toBe('{"signal":"SIGTERM"}');
  });

  it("leaves body undefined when none is sent", async () => {
    await client().request({ method: "GET", path: "/apps/my-app" });
    expect(mock.requests[0]).toMatchObject({ method: "GET", body: undefined, rawBody: "" });
  });

  it("answers 401 to a missing or wrong token and still records the request", async () => {
    const anonymous = createFlyClient({ baseUrl: mock.baseUrl, userAgent: "t" });
    const wrong = withHeaders(createFlyClient({ baseUrl: mock.baseUrl, token: "other", userAgent: "t" }));
    for (const c of [anonymous, wrong]) {
      const err = await c.request({ method: "GET", path: "/apps/my-app" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FlyApiError);
      expect(err).toMatchObject({ status: 401, message: "Authenticate: token validation error" });
    }
    expect(mock.requests.map((r) => r.headers.get("authorization"))).toEqual([null, "Bearer other"]);
  });

  it("builds the expected header from the token the way the client does", () => {
    expect(createFlyMock({ token: "plain" }).authorization).toBe("Bearer plain");
    expect(createFlyMock({ token: "FlyV1 fm1r_abc" }).authorization).toBe("FlyV1 fm1r_abc");
  });

  it("lets a test override one route, with :param and * segments", async () => {
    mock.reply("GET", "/v1/apps/:app/machines/:id", (req, params) =>
      HttpResponse.json({ id: params.id, app: params.app, seen: req.url.pathname }),
    );
    mock.reply("*", "/apps/:app/volumes/*", () => HttpResponse.json({ error: "not found" }, { status: 404 }));

    const res = await client().request({ method: "GET", path: "/apps/a1/machines/m1" });
    expect(res.data).toEqual({ id: "m1", app: "a1", seen: "/v1/apps/a1/machines/m1" });
    // Another method on the same path still gets the default.
    expect((await client().request({ method: "POST", path: "/apps/a1/machines/m1", body: {} })).data).toEqual(
      {},
    );

    const err = await client()
      .request({ method: "DELETE", path: "/apps/a1/volumes/vol_1/snapshots" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, message: "not found" });
  });

  it("uses the latest override when several match", async () => {
    mock.reply("GET", "/apps/*", () => HttpResponse.json({ n: 1 }));
    mock.reply("GET", "/apps/:app", () => HttpResponse.json({ n: 2 }));
    expect((await client().request({ method: "GET", path: "/apps/a1" })).data).toEqual({ n: 2 });
  });

  it("does not let an override skip the token check", async () => {
    mock.reply("GET", "/apps/:app", () => HttpResponse.json({ ok: true }));
    const anonymous = createFlyClient({ baseUrl: mock.baseUrl, userAgent: "t" });
    await expect(anonymous.request({ method: "GET", path: "/apps/a1" })).rejects.toMatchObject({
      status: 401,
    });
  });

  it("reset clears captured requests and overrides", async () => {
    mock.reply("GET", "/apps/:app", () => HttpResponse.json({ overridden: true }));
    await client().request({ method: "GET", path: "/apps/a1" });
    const requests = mock.requests;
    mock.reset();
    expect(mock.requests).toBe(requests);
    expect(mock.requests).toHaveLength(0);
    expect((await client().request({ method: "GET", path: "/apps/a1" })).data).toEqual({});
  });

  it("fails requests outside the mocked API", async () => {
    await expect(fetch(`${mock.baseUrl}/elsewhere`)).rejects.toThrow(/\[MSW\] Cannot bypass a request/);
    expect(mock.requests).toHaveLength(0);
  });

  it("captures requests in the shape the spec validator takes", async () => {
    await client().request({ method: "POST", path: "/apps/a1/machines/m1/stop", body: { timeout: 10 } });
    expect(mock.requests.map(validateRequest)).toEqual([["body.timeout: must be string"]]);
  });
});
