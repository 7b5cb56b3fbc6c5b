import { describe, expect, it } from "vitest";
import type { FlyClient, FlyRequest, FlyResponse } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { detectScope } from "../../src/policy/index.js";

const TOKEN = "fm2_secrettokenpayload0123456789";

type Handler = (req: FlyRequest) => unknown;

function fakeFly(routes: Record<string, Handler>): FlyClient & { calls: FlyRequest[] } {
  const calls: FlyRequest[] = [];
  return {
    baseUrl: "https://api.machines.dev",
    calls,
    async request(req: FlyRequest): Promise<FlyResponse> {
      calls.push(req);
      const handler = routes[`${req.method} ${req.path}`];
      if (!handler) throw new FlyApiError(404, "not found", { kind: "http" });
      return { status: 200, data: handler(req), headers: new Headers() };
    },
  };
}

const current = (tokens: unknown) => ({ "GET /tokens/current": () => ({ tokens }) });

describe("detectScope", () => {
  it("org token", async () => {
    const r = await detectScope(fakeFly(current([{ org_slug: "acme", apps: [], token_id: "t1" }])));
    expect(r).toEqual({ scope: "org", org: "acme", summary: "Fly token: org-wide in org acme" });
  });

  it("deploy token for one app", async () => {
    const r = await detectScope(fakeFly(current([{ org_slug: "acme", apps: ["web"] }])));
    expect(r).toMatchObject({ scope: "deploy", scopeApp: "web", org: "acme" });
    expect(r.summary).toBe("Fly token: limited to app web in org acme; org-wide tools are hidden");
    expect(r.fellBack).toBeUndefined();
  });

  it("deploy token whose app is not the one the server was started for", async () => {
    const r = await detectScope(fakeFly(current([{ apps: ["web"] }])), { app: "api" });
    expect(r).toMatchObject({ scope: "deploy", scopeApp: "web" });
    expect(r.summary).toContain("(not api, which the server was started for)");
  });

  it("token for several apps: the chosen app, or no cap", async () => {
    const tokens = [{ org_slug: "acme", apps: ["web", "api"] }];
    expect(await detectScope(fakeFly(current(tokens)), { app: "api" })).toMatchObject({
      scope: "deploy",
      scopeApp: "api",
    });
    const r = await detectScope(fakeFly(current(tokens)));
    expect(r).toMatchObject({ scope: "org" });
    expect(r.summary).toBe(
      "Fly token: limited to apps web, api in org acme; Fly refuses calls to other apps",
    );
  });

  it("machine-restricted token is machine-exec", async () => {
    const r = await detectScope(
      fakeFly(current([{ org_slug: "acme", apps: ["web"], restricted_to_machine: "148e" }])),
    );
    expect(r).toMatchObject({ scope: "machine-exec", scopeApp: "web", org: "acme" });
    expect(r.summary).toMatch(/restricted to machine 148e of app web/);
  });

  it("several tokens: one without an app list makes it org-wide", async () => {
    const r = await detectScope(fakeFly(current([{ apps: ["web"] }, { apps: [] }])));
    expect(r.scope).toBe("org");
  });

  describe("readonly probe with the token", () => {
    it("an 'unauthorized for action' answer means readonly", async () => {
      const fly = fakeFly({
        ...current([{ org_slug: "acme" }]),
        "POST /tokens/authorize": () => {
          throw new FlyApiError(400, "unauthorized for action access w (w not allowed)", { kind: "http" });
        },
      });
      const r = await detectScope(fly, { token: TOKEN });
      expect(r).toEqual({
        scope: "readonly",
        org: "acme",
        summary: "Fly token: read-only, org-wide in org acme; write and exec tools are hidden",
      });
      const probe = fly.calls[1]!;
      expect(probe.body).toEqual({ header: `FlyV1 ${TOKEN}`, access: { action: "w", org_slug: "acme" } });
      expect(r.summary).not.toContain(TOKEN);
    });

    it("asks about the deploy app and keeps it", async () => {
      const fly = fakeFly({
        ...current([{ org_slug: "acme", apps: ["web"] }]),
        "POST /tokens/authorize": () => {
          throw new FlyApiError(403, "unauthorized for action", { kind: "http" });
        },
      });
      const r = await detectScope(fly, { token: TOKEN });
      expect(r).toMatchObject({ scope: "readonly", scopeApp: "web" });
      expect((fly.calls[1]!.body as { access: unknown }).access).toEqual({
        action: "w",
        org_slug: "acme",
        app_name: "web",
      });
    });

    it("a successful answer keeps the scope", async () => {
      const fly = fakeFly({
        ...current([{ org_slug: "acme" }]),
        "POST /tokens/authorize": () => ({ access: {} }),
      });
      expect(await detectScope(fly, { token: TOKEN })).toMatchObject({
        scope: "org",
        summary: "Fly token: org-wide in org acme",
      });
    });

    it("any other failure leaves it undecided and says so", async () => {
      const fly = fakeFly({
        ...current([{ org_slug: "acme", apps: ["web"] }]),
        "POST /tokens/authorize": () => {
          throw new FlyApiError(400, "json: cannot unmarshal", { kind: "http" });
        },
      });
      const r = await detectScope(fly, { token: TOKEN });
      expect(r).toMatchObject({ scope: "deploy", scopeApp: "web" });
      expect(r.summary).toMatch(/could not tell whether it may write$/);
    });

    it("is skipped for machine-exec tokens and without a token", async () => {
      const fly = fakeFly(current([{ restricted_to_machine: "m" }]));
      await detectScope(fly, { token: TOKEN });
      await detectScope(fakeFly(current([{ org_slug: "o" }])));
      expect(fly.calls.map((c) => c.path)).toEqual(["/tokens/current"]);
    });
  });

  describe("machine-exec tokens, known by their Commands caveat", () => {
    const refused = () => {
      throw new FlyApiError(403, "unauthorized for action access w (w not allowed)", { kind: "http" });
    };
    // As Fly's macaroon library prints a caveat set: an array of {type, body}.
    const execCaveats = [
      { type: "Apps", body: { apps: { "1234": "rwcdC" } } },
      {
        type: "IfPresent",
        body: { ifs: [{ type: "Commands", body: [{ args: ["uptime"], exact: true }] }], else: "r" },
      },
    ];

    it("a deploy token whose writes are refused but which carries a Commands caveat is machine-exec", async () => {
      const fly = fakeFly({
        ...current([{ org_slug: "acme", apps: ["web"], restricted_to_machine: "" }]),
        "POST /tokens/authorize": refused,
        "POST /tokens/authenticate": () => [{ caveats: execCaveats }],
      });
      const r = await detectScope(fly, { token: TOKEN });
      expect(r).toMatchObject({ scope: "machine-exec", scopeApp: "web", org: "acme" });
      expect(r.summary).toContain("commands: uptime");
      expect(r.summary).not.toContain(TOKEN);
      expect(fly.calls[2]!.body).toEqual({ header: `FlyV1 ${TOKEN}` });
    });

    it("also in the spec's wrapped form, {caveats: [...]}", async () => {
      const fly = fakeFly({
        ...current([{ apps: ["web"] }]),
        "POST /tokens/authorize": refused,
        "POST /tokens/authenticate": () => [{ caveats: { caveats: execCaveats } }],
      });
      expect((await detectScope(fly, { token: TOKEN })).scope).toBe("machine-exec");
    });

    it("a refused token without one stays read-only, and a writable token is not asked", async () => {
      const readonly = fakeFly({
        ...current([{ apps: ["web"] }]),
        "POST /tokens/authorize": refused,
        "POST /tokens/authenticate": () => [{ caveats: [execCaveats[0]] }],
      });
      expect((await detectScope(readonly, { token: TOKEN })).scope).toBe("readonly");
      const writable = fakeFly({
        ...current([{ apps: ["web"] }]),
        "POST /tokens/authorize": () => ({ access: {} }),
      });
      expect((await detectScope(writable, { token: TOKEN })).scope).toBe("deploy");
      expect(writable.calls.map((c) => c.path)).toEqual(["/tokens/current", "/tokens/authorize"]);
    });
  });

  describe("falls back to org when introspection fails", () => {
    it.each([
      [
        "HTTP 401",
        () => {
          throw new FlyApiError(401, "Authenticate: token validation error", { kind: "http" });
        },
        /answered 401/,
      ],
      [
        "network",
        () => {
          throw new FlyApiError(0, "network error: ECONNREFUSED", { kind: "network" });
        },
        /ECONNREFUSED/,
      ],
      ["unexpected body", () => "<html>", /no token information/],
      ["empty token list", () => ({ tokens: [] }), /no token information/],
      [
        "thrown non-Fly error",
        () => {
          throw new TypeError("boom");
        },
        /boom/,
      ],
    ])("%s", async (_name, handler, why) => {
      const r = await detectScope(fakeFly({ "GET /tokens/current": handler }), { token: TOKEN });
      expect(r.scope).toBe("org");
      expect(r.fellBack).toBe(true);
      expect(r.summary).toMatch(/could not inspect it/);
      expect(r.summary).toMatch(/agent policy still applies/);
      expect(r.summary).toMatch(why);
      expect(r.summary).not.toContain(TOKEN);
    });
  });
});
