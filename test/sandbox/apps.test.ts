import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox, seeded } from "./helpers.js";

describe("sandbox apps", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("lists the seeded app with Fly's ListAppsResponse shape", async () => {
    const res = await call(sb, "GET", "/apps?org_slug=personal");
    expect(res.status).toBe(200);
    expect(res.body.total_apps).toBe(1);
    expect(res.body.apps[0]).toMatchObject({
      name: "demo-app",
      machine_count: 2,
      organization: { slug: "personal" },
    });
  });

  it("requires org_slug and knows only existing orgs", async () => {
    expect((await call(sb, "GET", "/apps")).status).toBe(400);
    const res = await call(sb, "GET", "/apps?org_slug=acme");
    expect(res.status).toBe(404);
    expect(res.body.error).toContain("acme");
  });

  it("creates an app (201 {id, created_at}) and refuses a taken name with 422 name_taken", async () => {
    const created = await call(sb, "POST", "/apps", { body: { name: "my-new-app", org_slug: "personal" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), created_at: expect.any(Number) });
    const again = await call(sb, "POST", "/apps", { body: { name: "my-new-app", org_slug: "personal" } });
    expect(again.status).toBe(422);
    expect(again.body.status).toBe("name_taken");
    expect(again.body.error).toMatch(/taken/);
  });

  it("answers the same app for a repeated idempotency_key", async () => {
    const body = { name: "idem-app", org_slug: "personal", idempotency_key: "k1" };
    const first = await call(sb, "POST", "/apps", { body });
    const second = await call(sb, "POST", "/apps", { body });
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
  });

  it("rejects an unknown org with 404, a bad name with 422 and a wrong type with 400 naming the field", async () => {
    expect((await call(sb, "POST", "/apps", { body: { name: "x-app", org_slug: "nope" } })).status).toBe(404);
    expect(
      (await call(sb, "POST", "/apps", { body: { name: "Bad_Name", org_slug: "personal" } })).status,
    ).toBe(422);
    const typed = await call(sb, "POST", "/apps", { body: { name: 42, org_slug: "personal" } });
    expect(typed.status).toBe(400);
    expect(typed.body.error).toContain("CreateAppRequest.name");
  });

  it("gets an app and 404s an unknown one", async () => {
    expect((await call(sb, "GET", "/apps/demo-app")).body.name).toBe("demo-app");
    const missing = await call(sb, "GET", "/apps/ghost-app");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('Could not find App "ghost-app"');
  });

  it("refuses to delete an app with running machines, naming them, then deletes it with 202", async () => {
    const web = seeded(sb, "demo-web");
    const refused = await call(sb, "DELETE", "/apps/demo-app");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain(web);
    expect(refused.body.error).toContain("started");
    expect((await call(sb, "POST", `/apps/demo-app/machines/${web}/stop`)).status).toBe(200);
    const deleted = await call(sb, "DELETE", "/apps/demo-app");
    expect(deleted.status).toBe(202);
    expect((await call(sb, "GET", "/apps/demo-app")).status).toBe(404);
  });

  it("pages apps with limit and next_cursor", async () => {
    for (const name of ["app-a", "app-b", "app-c"]) {
      await call(sb, "POST", "/apps", { body: { name, org_slug: "personal" } });
    }
    const first = await call(sb, "GET", "/apps?org_slug=personal&limit=3");
    expect(first.body.apps.map((a: Json) => a.name)).toEqual(["app-a", "app-b", "app-c"]);
    expect(first.body.total_apps).toBe(4);
    const second = await call(sb, "GET", `/apps?org_slug=personal&limit=3&cursor=${first.body.next_cursor}`);
    expect(second.body.apps.map((a: Json) => a.name)).toEqual(["demo-app"]);
    expect(second.body.next_cursor).toBeUndefined();
    expect((await call(sb, "GET", "/apps?org_slug=personal&limit=0")).status).toBe(400);
    expect((await call(sb, "GET", "/apps?org_slug=personal&cursor=garbage")).status).toBe(400);
  });

  it("starts empty apart from the personal org when seed is false", async () => {
    const empty = quickSandbox({ seed: false });
    expect((await call(empty, "GET", "/apps?org_slug=personal")).body).toEqual({ total_apps: 0, apps: [] });
  });
});
