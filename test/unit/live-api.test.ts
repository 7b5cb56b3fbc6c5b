import { afterEach, describe, expect, it, vi } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { waitForApp } from "../../src/tools/app-ready.js";
import { allTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { jsonResponse as json, MOCK_BASE_URL, MOCK_TOKEN, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";
import { validateRequest } from "../support/openapi-spec.js";

// What Fly's own clients (fly-go, flyctl) know about the live API beyond the spec.
const fly = useFlyMock();
const APP = "demo-app";
const M = "3d8d413b29d089";

const client = async () => connect(mockedServer({ tools: allTools }));
const plainFly = () =>
  createFlyClient({
    baseUrl: MOCK_BASE_URL,
    token: MOCK_TOKEN,
    userAgent: USER_AGENT,
    retry: false,
    rateLimits: false,
  });
const sent = () => fly.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`);
const specProblems = () =>
  fly.requests.flatMap((r) =>
    validateRequest({ method: r.method, url: r.url, headers: r.headers, body: r.body }),
  );

afterEach(() => {
  vi.useRealTimers();
});

describe("secrets versions reach machine writes as min_secrets_version", () => {
  it("a machine created or updated after a secrets write asks for that version; an argument overrides it", async () => {
    fly.reply("POST", `/apps/${APP}/secrets`, () =>
      json({ secrets: [{ name: "A", digest: "d" }], version: 7, Version: 7 }),
    );
    fly.reply("POST", `/apps/${APP}/machines`, () => json({ id: M }));
    fly.reply("POST", `/apps/${APP}/machines/${M}`, () => json({ id: M }));
    const c = await client();
    await call(c, "machines_create", { app_name: APP, config: { image: "nginx" } });
    await call(c, "secrets_set", { app_name: APP, values: { A: "new" } });
    await call(c, "machines_update", { app_name: APP, machine_id: M, config: { image: "nginx" } });
    await call(c, "machines_create", { app_name: APP, config: { image: "nginx" }, min_secrets_version: 3 });
    await call(c, "machines_create", { app_name: "other-app", config: { image: "nginx" } });
    const bodies = fly.requests.map(
      (r) => (r.body as { min_secrets_version?: number } | undefined)?.min_secrets_version,
    );
    // Before any write nothing is sent; after it, 7; an explicit 3 wins; other apps are untouched.
    expect(bodies).toEqual([undefined, undefined, 7, 3, undefined]);
    expect(specProblems()).toEqual([]);
  });

  it("follows secrets_delete and secrets_set_one too, and an older answer never lowers the version", async () => {
    let version = 12;
    fly.reply("POST", `/apps/${APP}/secrets/B`, () =>
      json({ name: "B", digest: "d", version: version }, 201),
    );
    fly.reply("DELETE", `/apps/${APP}/secrets/B`, () => json({ Version: 10 }));
    fly.reply("POST", `/apps/${APP}/machines`, () => json({ id: M }));
    const c = await client();
    await call(c, "secrets_set_one", { app_name: APP, secret_name: "B", value: "v" });
    await call(c, "secrets_delete", { app_name: APP, secret_name: "B" });
    await call(c, "machines_create", { app_name: APP, config: { image: "nginx" } });
    expect((fly.requests.at(-1)!.body as { min_secrets_version?: number }).min_secrets_version).toBe(12);
    version = 13;
    await call(c, "secrets_set_one", { app_name: APP, secret_name: "B", value: "w" });
    await call(c, "machines_create", { app_name: APP, config: { image: "nginx" } });
    expect((fly.requests.at(-1)!.body as { min_secrets_version?: number }).min_secrets_version).toBe(13);
  });

  it("forgets the version when the app is deleted, so a new app of that name is not asked for it", async () => {
    fly.reply("POST", `/apps/${APP}/secrets`, () => json({ version: 4 }));
    fly.reply("DELETE", `/apps/${APP}`, () => new Response(null, { status: 202 }));
    fly.reply("POST", `/apps/${APP}/machines`, () => json({ id: M }));
    const c = await client();
    await call(c, "secrets_set", { app_name: APP, values: { A: "x" } });
    await call(c, "apps_delete", { app_name: APP });
    await call(c, "machines_create", { app_name: APP, config: { image: "nginx" } });
    expect(fly.requests.at(-1)!.body).toEqual({ config: { image: "nginx" } });
  });
});

/** A clock whose sleeps return at once and move its time on, recording each sleep. */
function steppedClock() {
  let now = 0;
  const slept: number[] = [];
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
  };
  return { clock, slept };
}

describe("a new app is not ready at once", () => {
  it("apps_create posts with ?wait=true, then reads the app before answering", async () => {
    fly.reply("POST", "/apps", () => json({ id: "app1", created_at: 1 }, 201));
    fly.reply("GET", "/apps/new-app", () => json({ id: "app1", name: "new-app" }));
    const result = await call(await client(), "apps_create", { name: "new-app", org_slug: "personal" });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(sent()).toEqual(["POST /v1/apps?wait=true", "GET /v1/apps/new-app"]);
    expect(specProblems()).toEqual([]);
  });

  it("the read goes on while Fly answers 404 or 401, backing off", async () => {
    const answers = [404, 401, 200];
    fly.reply("GET", "/apps/new-app", () => {
      const status = answers.shift()!;
      return status === 200
        ? json({ id: "app1", name: "new-app" })
        : json({ error: "Could not find App" }, status);
    });
    const { clock, slept } = steppedClock();
    await expect(waitForApp("new-app", { fly: plainFly() }, 60_000, clock)).resolves.toBeUndefined();
    expect(sent()).toEqual(["GET /v1/apps/new-app", "GET /v1/apps/new-app", "GET /v1/apps/new-app"]);
    expect(slept).toEqual([250, 500]);
  });

  it("gives up after its bound and says the app exists, never to create it again", async () => {
    fly.reply("GET", "/apps/slow-app", () => json({ error: "Could not find App" }, 404));
    const { clock, slept } = steppedClock();
    const error = await waitForApp("slow-app", { fly: plainFly() }, 3_000, clock).catch((e: Error) => e);
    expect(String(error)).toMatch(/slow-app was created.*Do not create it again/);
    // Backing off from 250 ms, never sleeping past the bound.
    expect(slept).toEqual([250, 500, 1000, 1250]);
    expect(fly.requests).toHaveLength(5);
  });

  it("stops at once, quietly, on any other failure: the app was created all the same", async () => {
    fly.reply("GET", "/apps/gone-app", () => json({ error: "boom" }, 500));
    await expect(waitForApp("gone-app", { fly: plainFly() }, 60_000)).resolves.toBeUndefined();
    expect(fly.requests).toHaveLength(1);
  });
});

describe("answers read the way Go clients read them", () => {
  it("platform_regions_list reads Fly's `Regions`/`Nearest` as well as the spec's lowercase", async () => {
    fly.reply("GET", "/platform/regions", () =>
      json({ Nearest: "ams", Regions: [{ code: "ams", name: "Amsterdam", latitude: 52 }] }),
    );
    const result = await call(await client(), "platform_regions_list", {});
    const data = JSON.parse(textOf(result));
    expect(data).toEqual({ nearest: "ams", regions: [{ code: "ams", name: "Amsterdam" }] });
  });

  it("platform_placements_simulate reads `Regions: [{Region, Count}]` too", async () => {
    fly.reply("POST", "/platform/placements", () =>
      json({ Regions: [{ Region: "lhr", Count: 2, Concurrency: 10 }] }),
    );
    const result = await call(await client(), "platform_placements_simulate", {
      org_slug: "personal",
      count: 2,
    });
    expect(JSON.parse(textOf(result))).toEqual({ regions: [{ region: "lhr", count: 2, concurrency: 10 }] });
  });
});

describe("volumes_list", () => {
  const volumes = [
    "created",
    "pending_destroy",
    "destroying",
    "destroyed",
    "scheduling_destroy",
    "hydrating",
  ].map((state, i) => ({ id: `vol_${i}`, name: "data", state, region: "iad" }));

  it("leaves out volumes being destroyed, as fly-go does, unless asked", async () => {
    fly.reply("GET", `/apps/${APP}/volumes`, () => json(volumes));
    const c = await client();
    const shown = JSON.parse(textOf(await call(c, "volumes_list", { app_name: APP }))).volumes;
    expect(shown.map((v: { state: string }) => v.state)).toEqual(["created", "hydrating"]);
    const all = JSON.parse(
      textOf(await call(c, "volumes_list", { app_name: APP, include_destroying: true })),
    ).volumes;
    expect(all).toHaveLength(volumes.length);
    expect(specProblems()).toEqual([]);
  });
});

describe("machines_update with merge", () => {
  it("refuses when Fly answers incomplete_config and no config, and sends nothing", async () => {
    fly.reply("GET", `/apps/${APP}/machines/${M}`, () =>
      json({ id: M, host_status: "unreachable", incomplete_config: { image: "nginx", env: { A: "1" } } }),
    );
    const result = await call(await client(), "machines_update", {
      app_name: APP,
      machine_id: M,
      merge: true,
      config: { env: { B: "2" } },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /did not return machine 3d8d413b29d089's full config \(host_status: unreachable\)/,
    );
    expect(textOf(result)).toMatch(/nothing was changed/);
    expect(sent()).toEqual([`GET /v1/apps/${APP}/machines/${M}`]);
  });
});

describe("paths and parameters as Fly's clients send them", () => {
  it("a wildcard hostname goes into the path as %2A, as fly-go's url.PathEscape sends it", async () => {
    fly.reply("GET", `/apps/${APP}/certificates/:host`, () => json({ hostname: "*.example.com" }));
    const result = await call(await client(), "certificates_get", {
      app_name: APP,
      hostname: "*.example.com",
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(fly.requests[0]!.url.pathname).toBe(`/v1/apps/${APP}/certificates/%2A.example.com`);
  });

  it("apps_delete sends force=true only when asked, and a 409 names both ways out", async () => {
    fly.reply("DELETE", `/apps/${APP}`, (req) =>
      req.url.searchParams.get("force") === "true"
        ? new Response(null, { status: 202 })
        : json({ error: "app has running machines" }, 409),
    );
    const c = await client();
    const refused = await call(c, "apps_delete", { app_name: APP });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/machines_stop.*force: true/);
    const forced = await call(c, "apps_delete", { app_name: APP, force: true });
    expect(forced.isError, textOf(forced)).toBeFalsy();
    expect(sent()).toEqual([`DELETE /v1/apps/${APP}`, `DELETE /v1/apps/${APP}?force=true`]);
    expect(specProblems()).toEqual([]);
  });

  it("tokens_request_oidc says Fly issues it only inside a machine, and explains a refusal", async () => {
    fly.reply("POST", "/tokens/oidc", () => new Response("unauthorized", { status: 403 }));
    const c = await client();
    const { tools } = await c.listTools();
    expect(tools.find((t) => t.name === "tokens_request_oidc")!.description).toMatch(
      /inside a machine.*elsewhere/,
    );
    const result = await call(c, "tokens_request_oidc", { aud: "sts.amazonaws.com" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/only to calls made from inside one of its machines/);
  });
});

describe("secret keys as fly-go sends them", () => {
  it("takes fly-go's lowercase key types and the older names, and base64 bytes as the spec's integers", async () => {
    fly.reply("POST", `/apps/${APP}/secretkeys/k/generate`, () => json({ name: "k" }, 201));
    fly.reply("POST", `/apps/${APP}/secretkeys/k/decrypt`, () => json({ plaintext: "aGk=" }));
    const c = await client();
    for (const type of ["nacl_secretbox", "hs256", "SECRET_TYPE_KMS_NACL_BOX"]) {
      const r = await call(c, "secretkeys_generate", { app_name: APP, secret_name: "k", type });
      expect(r.isError, textOf(r)).toBeFalsy();
    }
    const bad = await call(c, "secretkeys_generate", { app_name: APP, secret_name: "k", type: "NaCl Box" });
    expect(textOf(bad)).toMatch(/lowercase names such as nacl_secretbox/);
    const r = await call(c, "secretkeys_decrypt", {
      app_name: APP,
      secret_name: "k",
      ciphertext: "c2VhbGVk",
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(fly.requests.at(-1)!.body).toEqual({ ciphertext: "c2VhbGVk" });
    expect(
      textOf(
        await call(c, "secretkeys_decrypt", { app_name: APP, secret_name: "k", ciphertext: "not base64!" }),
      ),
    ).toMatch(/base64 text/);
    expect(specProblems()).toEqual([]);
  });
});
