import { describe, expect, it } from "vitest";
import type { FlyClient, FlyRequest, FlyResponse } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { detectScope } from "../../src/policy/index.js";

// Assembled at run time: no token-shaped literal in the source.
const TOKEN = ["fm2", "scope", "probe", "0".repeat(16)].join("_");

/** Fly answering `GET /tokens/current` with `current` and `POST /tokens/authorize` with `authorize`. */
function fly(current: () => unknown, authorize?: () => unknown): FlyClient & { calls: FlyRequest[] } {
  const calls: FlyRequest[] = [];
  return {
    baseUrl: "https://api.machines.test",
    calls,
    async request(req: FlyRequest): Promise<FlyResponse> {
      calls.push(req);
      const route = `${req.method} ${req.path}`;
      const handler =
        route === "GET /tokens/current"
          ? current
          : route === "POST /tokens/authorize"
            ? authorize
            : undefined;
      if (!handler) throw new FlyApiError(404, "not found", { kind: "http" });
      return { status: 200, data: handler(), headers: new Headers() };
    },
  };
}
const tokens = (list: unknown) => () => ({ tokens: list });
const refuse = (status: number, message: string) => () => {
  throw new FlyApiError(status, message, { kind: "http" });
};
const probes = (f: { calls: FlyRequest[] }) => f.calls.filter((c) => c.path === "/tokens/authorize");

describe("reading Fly's token description", () => {
  it("an empty answer falls back to org and says Fly described nothing", async () => {
    const r = await detectScope(fly(() => undefined));
    expect(r).toMatchObject({ scope: "org", fellBack: true });
    expect(r.summary).toMatch(/Fly returned no token information/);
  });

  it("entries that are not objects are skipped, the rest still decide", async () => {
    const r = await detectScope(fly(tokens([null, 5, "x", { apps: ["web"] }])));
    expect(r).toMatchObject({ scope: "deploy", scopeApp: "web" });
  });

  it("empty and non-text app names do not count as apps", async () => {
    const r = await detectScope(fly(tokens([{ apps: ["web", "", 7, null] }])));
    expect(r).toMatchObject({ scope: "deploy", scopeApp: "web" });
    expect(r.summary).toBe("Fly token: limited to app web; org-wide tools are hidden");
  });

  it("an org slug that is empty or not text is no org", async () => {
    for (const org_slug of ["", 5, null]) {
      const r = await detectScope(fly(tokens([{ org_slug, apps: [] }])));
      expect(r).toStrictEqual({ scope: "org", summary: "Fly token: org-wide" });
    }
  });

  it("a machine restriction that is empty or not text is no restriction", async () => {
    for (const restricted_to_machine of ["", 42]) {
      const r = await detectScope(fly(tokens([{ apps: ["web"], restricted_to_machine }])));
      expect(r.scope).toBe("deploy");
    }
  });

  it("asks Fly under the names the audit and rate limits use", async () => {
    const f = fly(tokens([{ org_slug: "acme" }]), () => ({}));
    await detectScope(f, { token: TOKEN });
    expect(f.calls.find((c) => c.path === "/tokens/current")?.action).toBe("tokens_current");
    expect(probes(f).map((c) => c.action)).toEqual(["tokens_authorize"]);
  });
});

describe("machine-restricted tokens", () => {
  it("without an app: no app cap, and the summary says what is offered", async () => {
    const r = await detectScope(fly(tokens([{ org_slug: "acme", restricted_to_machine: "148e" }])));
    expect(r).toStrictEqual({
      scope: "machine-exec",
      org: "acme",
      summary: "Fly token: restricted to machine 148e in org acme; only exec and machine lookups are offered",
    });
  });

  it("with several apps: the one the server was started for, if the token has it", async () => {
    const list = [{ apps: ["web", "api"], restricted_to_machine: "148e" }];
    expect(await detectScope(fly(tokens(list)), { app: "api" })).toMatchObject({ scopeApp: "api" });
    expect((await detectScope(fly(tokens(list)), { app: "db" })).scopeApp).toBeUndefined();
    expect((await detectScope(fly(tokens(list)))).scopeApp).toBeUndefined();
  });
});

describe("tokens for several apps", () => {
  it("the chosen app is named with the others it could have been", async () => {
    const r = await detectScope(fly(tokens([{ org_slug: "acme", apps: ["web", "api"] }])), { app: "api" });
    expect(r.summary).toBe(
      "Fly token: limited to app api (of web, api) in org acme; org-wide tools are hidden",
    );
  });

  it("an app the token does not reach is no cap: Fly refuses the other apps itself", async () => {
    const r = await detectScope(fly(tokens([{ apps: ["web", "api"] }])), { app: "db" });
    expect(r.scope).toBe("org");
    expect(r.scopeApp).toBeUndefined();
    expect(r.summary).toMatch(/^Fly token: limited to apps web, api; Fly refuses calls to other apps/);
  });

  it("with no app chosen there is nothing to ask Fly about, so no write probe", async () => {
    const f = fly(tokens([{ apps: ["web", "api"] }]), () => ({}));
    await detectScope(f, { token: TOKEN });
    expect(probes(f)).toHaveLength(0);
  });

  it("an org-wide token never reports a mismatch with the server's app", async () => {
    const r = await detectScope(fly(tokens([{ apps: [] }])), { app: "api" });
    expect(r.summary).toBe("Fly token: org-wide");
  });
});

describe("the write probe", () => {
  it("names only what is known: no org or app keys when the token has none", async () => {
    const f = fly(tokens([{ apps: [] }]), () => ({}));
    await detectScope(f, { token: TOKEN });
    expect(probes(f)[0]!.body).toStrictEqual({ header: `FlyV1 ${TOKEN}`, access: { action: "w" } });
  });

  it("Fly's '(write not allowed)' wording also means read-only", async () => {
    const r = await detectScope(
      fly(tokens([{ org_slug: "acme" }]), refuse(403, "access denied (write not allowed)")),
      { token: TOKEN },
    );
    expect(r.scope).toBe("readonly");
  });

  it.each([
    ["a 5xx, even with the same words", refuse(500, "unauthorized for action")],
    [
      "an error that is not Fly's answer",
      () => {
        throw new TypeError("unauthorized for action");
      },
    ],
    ["a 4xx about something else", refuse(400, "bad request")],
  ])("%s leaves it undecided, never read-only", async (_, authorize) => {
    const r = await detectScope(fly(tokens([{ org_slug: "acme" }]), authorize), { token: TOKEN });
    expect(r.scope).toBe("org");
    expect(r.summary).toMatch(/could not tell whether it may write/);
    expect(r.summary).not.toContain(TOKEN);
  });
});
