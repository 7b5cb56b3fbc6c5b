import { describe, expect, it } from "vitest";
import { call, createMachine, type Json, quickSandbox } from "./helpers.js";

describe("sandbox org-wide lists", () => {
  it("lists machines across apps, oldest change first, with next_cursor paging", async () => {
    const sb = quickSandbox();
    await call(sb, "POST", "/apps", { body: { name: "second-app", org_slug: "personal" } });
    await createMachine(sb, {}, "second-app");
    const all = (await call(sb, "GET", "/orgs/personal/machines")).body;
    expect(all.machines.map((m: Json) => m.app_name).sort()).toEqual(["demo-app", "demo-app", "second-app"]);
    const times = all.machines.map((m: Json) => m.updated_at);
    expect([...times].sort()).toEqual(times);
    expect(all.machines[0].config).toEqual(
      expect.objectContaining({ image: expect.any(String), guest: expect.any(Object) }),
    );
    expect(all.last_machine_id).toBe(all.machines[2].id);
    expect(all.error_regions).toEqual([]);

    const first = (await call(sb, "GET", "/orgs/personal/machines?limit=2&summary=true")).body;
    expect(first.machines).toHaveLength(2);
    expect(first.machines[0].config).toBeUndefined();
    const rest = (await call(sb, "GET", `/orgs/personal/machines?limit=2&cursor=${first.next_cursor}`)).body;
    expect(rest.machines).toHaveLength(1);
    expect(rest.next_cursor).toBeUndefined();
  });

  it("filters by state, region and updated_after, and validates them", async () => {
    const sb = quickSandbox();
    const stopped = (await call(sb, "GET", "/orgs/personal/machines?state=stopped")).body.machines;
    expect(stopped.map((m: Json) => m.name)).toEqual(["demo-worker"]);
    expect((await call(sb, "GET", "/orgs/personal/machines?region=syd")).body.machines).toEqual([]);
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await call(sb, "GET", `/orgs/personal/machines?updated_after=${later}`)).body.machines).toEqual(
      [],
    );
    expect((await call(sb, "GET", "/orgs/personal/machines?updated_after=yesterday")).status).toBe(400);
    expect((await call(sb, "GET", "/orgs/personal/machines?limit=0")).status).toBe(400);
    expect((await call(sb, "GET", "/orgs/nobody/machines")).status).toBe(404);
  });

  it("lists volumes with app_name and updated_at, and a deploy token sees only its app", async () => {
    const sb = quickSandbox();
    await call(sb, "POST", "/apps", { body: { name: "second-app", org_slug: "personal" } });
    await call(sb, "POST", "/apps/demo-app/volumes", { body: { name: "a", region: "iad" } });
    await call(sb, "POST", "/apps/second-app/volumes", { body: { name: "b", region: "ams" } });
    const vols = (await call(sb, "GET", "/orgs/personal/volumes")).body;
    expect(vols.volumes.map((v: Json) => v.app_name).sort()).toEqual(["demo-app", "second-app"]);
    expect(vols.volumes[0]).toMatchObject({
      updated_at: expect.any(String),
      bytes_total: expect.any(Number),
    });
    expect((await call(sb, "GET", "/orgs/personal/volumes?region=ams")).body.volumes).toHaveLength(1);
    const scoped = (await call(sb, "GET", "/orgs/personal/volumes", { token: "sandbox-deploy:second-app" }))
      .body;
    expect(scoped.volumes.map((v: Json) => v.app_name)).toEqual(["second-app"]);
  });
});
