import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox } from "./helpers.js";

describe("sandbox Managed Postgres databases, extensions, users and queries", () => {
  let sb: Sandbox;
  let base: string;
  beforeEach(async () => {
    sb = quickSandbox();
    const res = await call(sb, "POST", "/postgres", {
      body: { org_slug: "personal", plan: "starter", region: "ams" },
    });
    base = `/postgres/${res.body.data.id}`;
  });

  it("creates, lists and drops databases, refusing system and malformed names", async () => {
    expect((await call(sb, "GET", `${base}/databases`)).body.data).toEqual([{ name: "fly-db" }]);
    const created = await call(sb, "POST", `${base}/databases`, { body: { name: "customer_data" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ data: { name: "customer_data" } });
    expect((await call(sb, "POST", `${base}/databases`, { body: { name: "customer_data" } })).status).toBe(
      409,
    );
    expect((await call(sb, "POST", `${base}/databases`, { body: { name: "postgres" } })).status).toBe(400);
    expect((await call(sb, "POST", `${base}/databases`, { body: { name: "-bad" } })).status).toBe(400);
    expect((await call(sb, "POST", `${base}/databases`, { body: {} })).status).toBe(422);
    expect((await call(sb, "DELETE", `${base}/databases/customer_data`)).body).toEqual({
      data: { name: "customer_data" },
    });
    expect((await call(sb, "DELETE", `${base}/databases/customer_data`)).body.error).toBe(
      "Database not found",
    );
  });

  it("enables and disables extensions with PostGIS, dependency and schema rules", async () => {
    const ext = `${base}/databases/fly-db/extensions`;
    const listed = (await call(sb, "GET", ext)).body.data;
    expect(listed.find((e: Json) => e.name === "plpgsql")).toMatchObject({
      system: true,
      installed: { schema: "pg_catalog" },
    });
    expect(listed.find((e: Json) => e.name === "citext")).toMatchObject({ system: false, installed: null });
    expect(listed.some((e: Json) => e.name === "postgis")).toBe(false);
    expect((await call(sb, "POST", ext, { body: { name: "citext" } })).status).toBe(204);
    expect((await call(sb, "POST", ext, { body: { name: "citext" } })).body.error).toContain(
      "already installed in schema public",
    );
    expect((await call(sb, "POST", ext, { body: { name: "postgis" } })).body.error).toBe(
      "PostGIS is not enabled on this cluster",
    );
    expect((await call(sb, "POST", ext, { body: { name: "left_pad" } })).status).toBe(422);
    expect((await call(sb, "POST", ext, { body: { name: "vector", schema: "ml" } })).status).toBe(422);
    expect(
      (await call(sb, "POST", ext, { body: { name: "vector", schema: "ml", create_schema: true } })).status,
    ).toBe(204);
    expect((await call(sb, "GET", ext)).body.data.find((e: Json) => e.name === "vector").installed).toEqual({
      schema: "ml",
      version: "0.8.0",
    });
    expect((await call(sb, "DELETE", `${ext}/plpgsql`)).status).toBe(400);
    expect((await call(sb, "DELETE", `${ext}/citext`)).status).toBe(204);
    expect((await call(sb, "DELETE", `${ext}/citext`)).status).toBe(404);

    const gis = (
      await call(sb, "POST", "/postgres", {
        body: { org_slug: "personal", plan: "basic", region: "iad", postgis_enabled: true },
      })
    ).body.data;
    const gext = `/postgres/${gis.id}/databases/fly-db/extensions`;
    expect((await call(sb, "POST", gext, { body: { name: "postgis_topology" } })).status).toBe(422);
    await call(sb, "POST", gext, { body: { name: "postgis" } });
    await call(sb, "POST", gext, { body: { name: "postgis_topology" } });
    expect((await call(sb, "DELETE", `${gext}/postgis`)).body.error).toContain("force=true");
    expect((await call(sb, "DELETE", `${gext}/postgis?force=true`)).status).toBe(204);
    expect((await call(sb, "GET", gext)).body.data.filter((e: Json) => e.installed && !e.system)).toEqual([]);
  });

  it("manages users: create, role, credentials, rotation and delete", async () => {
    const created = await call(sb, "POST", `${base}/users`, {
      body: { username: "app_user", role: "writer" },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toEqual({ username: "app_user", role: "writer" });
    expect(
      (await call(sb, "POST", `${base}/users`, { body: { username: "app_user", role: "writer" } })).status,
    ).toBe(409);
    expect((await call(sb, "POST", `${base}/users`, { body: { username: "x", role: "god" } })).status).toBe(
      422,
    );
    expect(
      (await call(sb, "POST", `${base}/users`, { body: { username: "postgres", role: "reader" } })).status,
    ).toBe(400);
    expect(
      (await call(sb, "POST", `${base}/users`, { body: { username: "Bad", role: "reader" } })).status,
    ).toBe(400);
    expect((await call(sb, "PATCH", `${base}/users/app_user`, { body: { role: "reader" } })).status).toBe(
      204,
    );
    const users = (await call(sb, "GET", `${base}/users`)).body.data;
    expect(users).toEqual([
      { username: "app_user", role: "reader" },
      { username: "fly-user", role: "schema_admin" },
    ]);
    const creds = (await call(sb, "GET", `${base}/users/app_user/credentials`)).body.data;
    expect(creds.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(
      (await call(sb, "GET", `${base}/users/app_user/credentials`, { token: "sandbox-readonly" })).status,
    ).toBe(403);
    const rotated = await call(sb, "POST", `${base}/users/app_user/rotate_password`, {
      body: { kill_sessions: true },
    });
    expect(rotated.body.data.password).not.toBe(creds.password);
    expect((await call(sb, "GET", `${base}/users/app_user/credentials`)).body.data.password).toBe(
      rotated.body.data.password,
    );
    expect(
      (await call(sb, "POST", `${base}/users/app_user/rotate_password`, { body: { kill_sessions: "yes" } }))
        .status,
    ).toBe(422);
    expect((await call(sb, "DELETE", `${base}/users/app_user`)).status).toBe(204);
    expect((await call(sb, "GET", `${base}/users/app_user/credentials`)).body.error).toBe("User not found");
  });

  it("reports active and slow queries with the spec's validation", async () => {
    await call(sb, "POST", `${base}/attachments`, { body: { app_name: "demo-app" } });
    const active = await call(sb, "GET", `${base}/queries/active?database=fly-db`);
    expect(active.body.data.map((q: Json) => q.application_name)).toEqual(["pg-admin", "demo-app"]);
    expect((await call(sb, "GET", `${base}/queries/active?database=%20`)).status).toBe(422);
    expect((await call(sb, "GET", `${base}/queries/active?database=nope`)).status).toBe(404);
    const slow = (await call(sb, "GET", `${base}/queries/slow?range=3600`)).body.data;
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.length).toBeLessThanOrEqual(20);
    const totals = slow.map((q: Json) => q.total_exec_time_seconds);
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
    expect((await call(sb, "GET", `${base}/queries/slow?range=0`)).status).toBe(422);
    expect((await call(sb, "GET", `${base}/queries/slow?range=604801`)).status).toBe(422);
  });
});
