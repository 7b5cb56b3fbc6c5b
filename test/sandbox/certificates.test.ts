import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { CERT_PEM, KEY_PEM, OTHER_KEY_PEM } from "../support/custom-certificate.js";
import { call, type Json, quickSandbox } from "./helpers.js";

const base = "/apps/demo-app/certificates";

describe("sandbox certificates", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("requests an ACME certificate that awaits DNS until a check validates it", async () => {
    await call(sb, "POST", "/apps/demo-app/ip_assignments", { body: { type: "shared_v4" } });
    const v6 = (await call(sb, "POST", "/apps/demo-app/ip_assignments", { body: { type: "v6" } })).body.ip;
    const created = await call(sb, "POST", `${base}/acme`, { body: { hostname: "WWW.Example.com" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      hostname: "www.example.com",
      status: "Awaiting configuration",
      configured: false,
      acme_requested: true,
      certificates: [{ source: "fly", status: "pending_ownership", issued: [] }],
    });
    const dns = created.body.dns_requirements;
    expect(dns.cname).toBe("demo-app.fly.dev");
    expect(dns.a).toEqual([expect.stringMatching(/^66\.241\.124\./)]);
    expect(dns.aaaa).toEqual([v6]);
    expect(dns.acme_challenge.name).toBe("_acme-challenge.www.example.com");
    expect(dns.ownership).toMatchObject({
      name: "_fly-ownership.www.example.com",
      app_value: expect.stringMatching(/^app-/),
    });

    const checked = await call(sb, "POST", `${base}/www.example.com/check`);
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({
      status: "Ready",
      configured: true,
      validation: { dns_configured: true },
    });
    expect(checked.body.dns_records.cname).toEqual(["demo-app.fly.dev"]);
    const [fly] = checked.body.certificates;
    expect(fly).toMatchObject({ source: "fly", status: "active", issuer: "Let's Encrypt" });
    expect(fly.issued.map((i: Json) => i.type)).toEqual(["rsa", "ecdsa"]);
    expect(Date.parse(fly.expires_at) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect((await call(sb, "GET", `${base}/www.example.com`)).body.status).toBe("Ready");
  });

  it("never validates a name that cannot resolve, and says how to fix it", async () => {
    await call(sb, "POST", `${base}/acme`, { body: { hostname: "app.example.invalid" } });
    const checked = await call(sb, "POST", `${base}/app.example.invalid/check`);
    expect(checked.body.status).toBe("Awaiting configuration");
    expect(checked.body.validation_errors[0].remediation).toContain("demo-app.fly.dev");
  });

  it("refuses bad hostnames, repeats and names another app holds with 422", async () => {
    expect((await call(sb, "POST", `${base}/acme`, { body: { hostname: "not a host" } })).status).toBe(422);
    expect((await call(sb, "POST", `${base}/acme`, { body: { hostname: 5 } })).status).toBe(400);
    await call(sb, "POST", `${base}/acme`, { body: { hostname: "a.example.com" } });
    expect((await call(sb, "POST", `${base}/acme`, { body: { hostname: "a.example.com" } })).status).toBe(
      422,
    );
    await call(sb, "POST", "/apps", { body: { name: "other-app", org_slug: "personal" } });
    const stolen = await call(sb, "POST", "/apps/other-app/certificates/acme", {
      body: { hostname: "a.example.com" },
    });
    expect(stolen.status).toBe(422);
    expect(stolen.body.error).toContain("another app");
  });

  it("parses an uploaded certificate: key match, hostname cover and issuer", async () => {
    const upload = (hostname: string, private_key = KEY_PEM, fullchain = CERT_PEM) =>
      call(sb, "POST", `${base}/custom`, { body: { hostname, fullchain, private_key } });
    expect((await upload("shop.example.com", OTHER_KEY_PEM)).body.error).toContain("does not match");
    expect((await upload("www.example.org")).body.error).toContain("does not cover");
    expect((await upload("shop.example.com", KEY_PEM, "not pem")).status).toBe(422);
    const ok = await upload("api.shop.example.com");
    expect(ok.status).toBe(201);
    expect(ok.body.certificates).toEqual([
      expect.objectContaining({
        source: "custom",
        status: "active",
        issuer: "shop.example.com",
        issued: [expect.objectContaining({ type: "ecdsa" })],
      }),
    ]);
    expect((await upload("*.shop.example.com")).status).toBe(201);
    const list = await call(sb, "GET", `${base}?filter=shop`);
    expect(list.body.total_count).toBe(2);
    expect(list.body.certificates[0]).toMatchObject({
      has_custom_certificate: true,
      has_fly_certificate: false,
    });
  });

  it("deletes ACME and custom certificates separately, then the hostname", async () => {
    await call(sb, "POST", `${base}/custom`, {
      body: { hostname: "shop.example.com", fullchain: CERT_PEM, private_key: KEY_PEM },
    });
    await call(sb, "POST", `${base}/acme`, { body: { hostname: "shop.example.com" } });
    const noAcme = await call(sb, "DELETE", `${base}/shop.example.com/acme`);
    expect(noAcme.status).toBe(200);
    expect(noAcme.body.acme_requested).toBe(false);
    expect((await call(sb, "DELETE", `${base}/shop.example.com/acme`)).status).toBe(404);
    const noCustom = await call(sb, "DELETE", `${base}/shop.example.com/custom`);
    expect(noCustom.body.warning).toContain("no certificate is left");
    expect((await call(sb, "DELETE", `${base}/shop.example.com`)).status).toBe(204);
    expect((await call(sb, "GET", `${base}/shop.example.com`)).status).toBe(404);
  });

  it("pages with limit and cursor and keeps writes from read-only tokens", async () => {
    for (const h of ["a.example.com", "b.example.com", "c.example.com"]) {
      await call(sb, "POST", `${base}/acme`, { body: { hostname: h } });
    }
    const first = await call(sb, "GET", `${base}?limit=2`);
    expect(first.body.certificates.map((c: Json) => c.hostname)).toEqual(["a.example.com", "b.example.com"]);
    const second = await call(sb, "GET", `${base}?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.certificates.map((c: Json) => c.hostname)).toEqual(["c.example.com"]);
    expect(second.body.next_cursor).toBeUndefined();
    expect((await call(sb, "GET", `${base}?limit=501`)).status).toBe(400);
    const ro = await call(sb, "POST", `${base}/acme`, {
      token: "sandbox-readonly",
      body: { hostname: "d.example.com" },
    });
    expect(ro.status).toBe(403);
  });
});
