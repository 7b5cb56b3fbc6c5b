import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSandbox } from "../../src/sandbox/index.js";
import { call, quickSandbox, seeded } from "./helpers.js";

describe("sandbox routing and auth", () => {
  it("answers unknown routes with 404 JSON", async () => {
    const res = await call(quickSandbox(), "GET", "/definitely/not/here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.body.error).toEqual(expect.any(String));
  });

  it("answers 401 with Fly's message without an Authorization header", async () => {
    const res = await call(quickSandbox(), "GET", "/apps/demo-app", { token: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "Authenticate: token validation error" });
    const empty = await call(quickSandbox(), "GET", "/apps/demo-app", {
      token: null,
      headers: { authorization: "Bearer " },
    });
    expect(empty.status).toBe(401);
  });

  it("404s path params with encoded slashes or dot segments", async () => {
    const sb = quickSandbox();
    for (const path of [
      "/apps/demo-app%2Fmachines",
      "/apps/%2E%2E/machines",
      "/apps/demo-app/machines/..%2F..%2Fapps",
    ]) {
      const res = await call(sb, "GET", path);
      expect(res.status, path).toBe(404);
      expect(res.body.error).toEqual(expect.any(String));
    }
  });

  it("sets fly-request-id on every response", async () => {
    const res = await call(quickSandbox(), "GET", "/apps/demo-app");
    expect(res.headers.get("fly-request-id")).toMatch(/^[0-9A-Z]{26}-iad$/);
  });

  it("reset() drops changes and seeds again", async () => {
    const sb = quickSandbox();
    await call(sb, "POST", "/apps", { body: { name: "temp-app", org_slug: "personal" } });
    sb.reset();
    expect((await call(sb, "GET", "/apps/temp-app")).status).toBe(404);
    expect((await call(sb, "GET", "/apps/demo-app")).status).toBe(200);
  });
});

describe("sandbox rate limits", () => {
  // The buckets refill with Date.now: frozen, so a slow machine cannot refill one mid-burst.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows a burst of 3 per action and machine, then 429 without Retry-After, as Fly", async () => {
    const sb = createSandbox({ transitionMs: 0 });
    const id = seeded(sb, "demo-web");
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await call(sb, "GET", `/apps/demo-app/machines/${id}/events`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.body).toEqual({ error: "rate limit exceeded" });
    expect(last!.headers.get("retry-after")).toBeNull();
    // Another action, or another machine, has its own bucket.
    expect((await call(sb, "GET", `/apps/demo-app/machines/${id}/versions`)).status).toBe(200);
    expect(
      (await call(sb, "GET", `/apps/demo-app/machines/${seeded(sb, "demo-worker")}/events`)).status,
    ).toBe(200);
  });

  it("gives Get Machine a burst of 10", async () => {
    const sb = createSandbox({ transitionMs: 0 });
    const id = seeded(sb, "demo-web");
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await call(sb, "GET", `/apps/demo-app/machines/${id}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
  });

  it("can be switched off", async () => {
    const sb = quickSandbox();
    for (let i = 0; i < 20; i++) expect((await call(sb, "GET", "/apps/demo-app/machines")).status).toBe(200);
  });
});

describe("sandbox faults", () => {
  it("5xx answers 503 JSON before the request takes effect", async () => {
    const sb = createSandbox({ transitionMs: 0, rateLimits: false, faults: { share: 1, kinds: ["5xx"] } });
    const res = await call(sb, "POST", "/apps", { body: { name: "never-made", org_slug: "personal" } });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual(expect.any(String));
    expect(sb.store.app("never-made")).toBeUndefined();
  });

  it("reset makes the in-process fetch reject with TypeError('fetch failed')", async () => {
    const sb = createSandbox({ faults: { share: 1, kinds: ["reset"] } });
    await expect(call(sb, "GET", "/apps/demo-app")).rejects.toThrow(new TypeError("fetch failed"));
  });

  it("malformed answers 200 with a cut-off JSON body", async () => {
    const sb = createSandbox({ faults: { share: 1, kinds: ["malformed"] } });
    const res = await sb.fetch(
      new Request("http://sandbox/v1/apps/demo-app", { headers: { authorization: "Bearer x" } }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.text()).toBe('{"truncated');
  });

  it("slow delays, then answers normally", async () => {
    const sb = createSandbox({ faults: { share: 1, kinds: ["slow"], slowMs: 120 } });
    const started = Date.now();
    const res = await call(sb, "GET", "/apps/demo-app");
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("hits the given share deterministically from the seed", async () => {
    const run = async () => {
      const sb = createSandbox({ rateLimits: false, faults: { share: 0.3, kinds: ["5xx"], seed: 42 } });
      const out: number[] = [];
      for (let i = 0; i < 100; i++) out.push((await call(sb, "GET", "/apps/demo-app")).status);
      return out;
    };
    const a = await run();
    expect(a).toEqual(await run());
    const failures = a.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(15);
    expect(failures).toBeLessThan(45);
  });
});
