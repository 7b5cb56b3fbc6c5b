import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox } from "./helpers.js";

async function cluster(sb: Sandbox, extra: Json = {}): Promise<Json> {
  const res = await call(sb, "POST", "/postgres", {
    body: { org_slug: "personal", plan: "basic", region: "iad", ...extra },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body.data;
}

describe("sandbox Managed Postgres clusters", () => {
  it("provisions creating -> initializing -> ready, with endpoints and a first backup once ready", async () => {
    const sb = quickSandbox({ transitionMs: 20 });
    const created = await cluster(sb, { name: "orders", plan: "Launch", disk_size_gb: 40 });
    expect(created).toMatchObject({
      name: "orders",
      status: "creating",
      plan: "launch",
      cpu_kind: "performance",
      disk_size_gb: 40,
      storage_used_bytes: null,
    });
    expect(created.endpoints).toBeUndefined();
    const path = `/postgres/${created.id}`;
    expect((await call(sb, "GET", `${path}/databases`)).status).toBe(503);
    expect((await call(sb, "GET", `${path}/databases`)).headers.get("retry-after")).toBe("5");
    expect((await call(sb, "POST", `${path}/fork`, { body: {} })).status).toBe(409);
    await sb.settle();
    const ready = (await call(sb, "GET", path)).body.data;
    expect(ready.status).toBe("ready");
    expect(ready.endpoints.primary.pooler).toEqual({
      host: `pgbouncer.${created.id}.flympg.net`,
      port: 5432,
    });
    expect(ready.storage_provisioned_bytes).toBe(40 * 1024 ** 3 * 2);
    const [backup] = (await call(sb, "GET", `${path}/backups`)).body.data;
    expect(backup).toMatchObject({
      type: "full",
      status: "completed",
      id: expect.stringMatching(/^\d{8}-\d{6}F$/),
    });
  });

  it("validates create: 400 without org_slug, 422 for bad attributes, 404 for unknown orgs", async () => {
    const sb = quickSandbox();
    const create = (body: Json) => call(sb, "POST", "/postgres", { body });
    expect((await create({ plan: "basic", region: "iad" })).status).toBe(400);
    expect((await create({ org_slug: 7, plan: "basic", region: "iad" })).status).toBe(400);
    expect((await create({ org_slug: "nobody", plan: "basic", region: "iad" })).status).toBe(404);
    for (const bad of [
      { plan: "huge" },
      { region: "xyz" },
      { region: "jnb" },
      { disk_size_gb: 5 },
      { pg_major_version: "15" },
      { plan: 3 },
    ]) {
      expect(
        (await create({ org_slug: "personal", plan: "basic", region: "iad", ...bad })).status,
        JSON.stringify(bad),
      ).toBe(422);
    }
    await cluster(sb, { name: "dup" });
    expect((await create({ org_slug: "personal", plan: "basic", region: "iad", name: "dup" })).status).toBe(
      422,
    );
    expect((await create({ org_slug: "personal", plan: "basic", region: "iad" })).status).toBe(201);
  });

  it("lists, deletes asynchronously and answers 410 afterwards", async () => {
    const sb = quickSandbox({ transitionMs: 10 });
    const a = await cluster(sb, { name: "a" });
    await sb.settle();
    expect((await call(sb, "GET", "/postgres?org_slug=personal")).body.data.map((c: Json) => c.name)).toEqual(
      ["a"],
    );
    expect((await call(sb, "GET", "/postgres")).status).toBe(400);
    expect((await call(sb, "GET", "/postgres?org_slug=personal&include_deleted=maybe")).status).toBe(422);
    expect((await call(sb, "DELETE", `/postgres/${a.id}`)).status).toBe(202);
    expect((await call(sb, "DELETE", `/postgres/${a.id}`)).body.error).toBe("This cluster is being deleted");
    await sb.settle();
    expect((await call(sb, "DELETE", `/postgres/${a.id}`)).status).toBe(410);
    expect((await call(sb, "GET", `/postgres/${a.id}`)).body.data.status).toBe("deleted");
    expect((await call(sb, "GET", "/postgres?org_slug=personal")).body.data).toEqual([]);
    const deleted = (await call(sb, "GET", "/postgres?org_slug=personal&include_deleted=true")).body.data;
    expect(deleted[0]).toMatchObject({ status: "deleted", deleted_at: expect.any(String) });
    expect((await call(sb, "GET", "/postgres/nope")).status).toBe(404);
  });

  it("attaches apps idempotently and detaches them", async () => {
    const sb = quickSandbox();
    const c = await cluster(sb);
    const path = `/postgres/${c.id}/attachments`;
    const first = await call(sb, "POST", path, { body: { app_name: "demo-app" } });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ app_name: "demo-app", postgres_cluster_id: c.id });
    expect((await call(sb, "POST", path, { body: { app_name: "demo-app" } })).status).toBe(200);
    expect((await call(sb, "POST", path, { body: { app_name: "ghost" } })).body.error).toBe("App not found");
    expect((await call(sb, "GET", `/postgres/${c.id}`)).body.data.attached_apps).toEqual([
      { name: "demo-app" },
    ]);
    expect((await call(sb, "GET", `/postgres/${c.id}`, { token: "sandbox-deploy:demo-app" })).status).toBe(
      200,
    );
    expect((await call(sb, "DELETE", `${path}/demo-app`, { token: "sandbox-deploy:demo-app" })).status).toBe(
      403,
    );
    expect((await call(sb, "DELETE", `${path}/demo-app`)).status).toBe(204);
    expect((await call(sb, "DELETE", `${path}/demo-app`)).body.error).toBe("Attachment not found");
    expect((await call(sb, "GET", `/postgres/${c.id}`, { token: "sandbox-deploy:demo-app" })).status).toBe(
      404,
    );
  });

  it("runs one backup at a time and names incremental ones after their full backup", async () => {
    const sb = quickSandbox({ transitionMs: 20 });
    const c = await cluster(sb);
    await sb.settle();
    const path = `/postgres/${c.id}/backups`;
    expect((await call(sb, "POST", path, { body: { type: "incr" } })).status).toBe(202);
    expect((await call(sb, "POST", path, { body: { type: "full" } })).status).toBe(409);
    expect((await call(sb, "POST", path, { body: { type: "weekly" } })).status).toBe(400);
    await sb.settle();
    const [incr, full] = (await call(sb, "GET", path)).body.data;
    expect(incr.type).toBe("incr");
    expect(incr.id.startsWith(`${full.id}_`)).toBe(true);
    expect(incr.id.endsWith("I")).toBe(true);
  });

  it("forks and restores into new clusters with the source's contents", async () => {
    const sb = quickSandbox();
    const src = await cluster(sb, { name: "main", postgis_enabled: true });
    await call(sb, "POST", `/postgres/${src.id}/databases`, { body: { name: "before" } });
    await call(sb, "POST", `/postgres/${src.id}/backups`, { body: { type: "full" } });
    const [backup] = (await call(sb, "GET", `/postgres/${src.id}/backups`)).body.data;
    await call(sb, "POST", `/postgres/${src.id}/databases`, { body: { name: "after" } });

    const fork = await call(sb, "POST", `/postgres/${src.id}/fork`, { body: {} });
    expect(fork.status).toBe(201);
    expect(fork.body.data).toMatchObject({ name: "main-fork", status: "creating", postgis_enabled: true });
    const forkDbs = (await call(sb, "GET", `/postgres/${fork.body.data.id}/databases`)).body.data;
    expect(forkDbs.map((d: Json) => d.name)).toEqual(["after", "before", "fly-db"]);

    const restored = await call(sb, "POST", `/postgres/${src.id}/restore`, {
      body: { backup_id: backup.id, name: "rewind" },
    });
    expect(restored.status).toBe(201);
    const dbs = (await call(sb, "GET", `/postgres/${restored.body.data.id}/databases`)).body.data;
    expect(dbs.map((d: Json) => d.name)).toEqual(["before", "fly-db"]);

    const pitr = await call(sb, "POST", `/postgres/${src.id}/restore`, {
      body: { pitr_time: new Date().toISOString() },
    });
    expect(pitr.status).toBe(201);
    expect(pitr.body.data.name).toMatch(/^main-pitr-\d{14}$/);
    const restore = (body: Json) => call(sb, "POST", `/postgres/${src.id}/restore`, { body });
    expect((await restore({})).status).toBe(422);
    expect((await restore({ backup_id: backup.id, pitr_time: new Date().toISOString() })).status).toBe(422);
    expect((await restore({ backup_id: "19990101-000000F" })).status).toBe(404);
    expect((await restore({ pitr_time: "2001-01-01T00:00:00Z" })).body.error).toContain("recovery window");
    expect((await restore({ pitr_time: "yesterday" })).status).toBe(422);
  });
});
