import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox } from "./helpers.js";

const base = "/apps/demo-app/ip_assignments";

describe("sandbox IP assignments", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("assigns each type with a realistic address and lists them", async () => {
    const assign = async (body: Json) => (await call(sb, "POST", base, { body })).body;
    expect((await assign({ type: "v4" })).ip).toMatch(/^137\.66\.\d+\.\d+$/);
    expect((await assign({ type: "v6" })).ip).toMatch(/^2a09:8280:1::/);
    expect(await assign({ type: "shared_v4" })).toMatchObject({
      ip: expect.stringMatching(/^66\.241\.124\./),
      shared: true,
    });
    const flycast = await assign({ type: "private_v6", service_name: "api" });
    expect(flycast).toMatchObject({
      ip: expect.stringMatching(/^fdaa:0:/),
      network: { name: "", org_slug: "personal" },
      service_name: "api",
    });
    const pair = await assign({ type: "egress_pair", region: "ams" });
    expect(pair).toMatchObject({ ip: null, egress: true, region: "ams" });
    expect(pair.ip_pair.v4).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const list = (await call(sb, "GET", base)).body.ips;
    expect(list).toHaveLength(6);
    expect(list.filter((i: Json) => i.egress)).toHaveLength(2);
    expect(list.every((i: Json) => !("type" in i))).toBe(true);
  });

  it("keeps one shared v4 per app and unique dedicated v4s across apps", async () => {
    const a = await call(sb, "POST", base, { body: { type: "shared_v4" } });
    const b = await call(sb, "POST", base, { body: { type: "shared_v4" } });
    expect(b.body.ip).toBe(a.body.ip);
    await call(sb, "POST", "/apps", { body: { name: "second-app", org_slug: "personal" } });
    const v4s = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const app = i % 2 ? "demo-app" : "second-app";
      v4s.add((await call(sb, "POST", `/apps/${app}/ip_assignments`, { body: { type: "v4" } })).body.ip);
    }
    expect(v4s.size).toBe(20);
  });

  it("validates type and egress region, releases with 204 and 404s unknown addresses", async () => {
    expect((await call(sb, "POST", base, { body: { type: "v5" } })).status).toBe(400);
    expect((await call(sb, "POST", base, { body: {} })).status).toBe(400);
    expect((await call(sb, "POST", base, { body: { type: "egress_v4" } })).body.error).toContain("region");
    expect((await call(sb, "POST", base, { body: { type: "egress_v4", region: "xxx" } })).status).toBe(400);
    const v6 = (await call(sb, "POST", base, { body: { type: "v6" } })).body.ip;
    expect((await call(sb, "DELETE", `${base}/${v6}`)).status).toBe(204);
    expect((await call(sb, "DELETE", `${base}/${v6}`)).status).toBe(404);
    expect((await call(sb, "GET", base)).body.ips).toEqual([]);
  });

  it("limits a deploy token to its app and read-only tokens to reading", async () => {
    expect((await call(sb, "GET", base, { token: "sandbox-readonly" })).status).toBe(200);
    expect((await call(sb, "POST", base, { token: "sandbox-readonly", body: { type: "v6" } })).status).toBe(
      403,
    );
    expect(
      (await call(sb, "POST", base, { token: "sandbox-deploy:demo-app", body: { type: "v6" } })).status,
    ).toBe(200);
    expect((await call(sb, "GET", base, { token: "sandbox-deploy:other" })).status).toBe(403);
  });
});
