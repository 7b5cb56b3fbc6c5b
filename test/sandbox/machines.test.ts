import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, IMAGE, type Json, quickSandbox, seeded } from "./helpers.js";

describe("sandbox machines", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("seeds demo-web started and demo-worker stopped with 14-hex ids", async () => {
    const list = await call(sb, "GET", "/apps/demo-app/machines");
    const byName = Object.fromEntries(list.body.map((m: Json) => [m.name, m]));
    expect(byName["demo-web"].state).toBe("started");
    expect(byName["demo-worker"].state).toBe("stopped");
    expect(byName["demo-web"].id).toMatch(/^[0-9a-f]{14}$/);
    expect(byName["demo-web"].config.image).toBe(IMAGE);
  });

  it("creates a machine that ends up started, in iad by default", async () => {
    const m = await createMachine(sb);
    expect(m.state).toBe("started");
    expect(m.region).toBe("iad");
    expect(m.version).toHaveLength(26);
    const wait = await call(sb, "GET", `/apps/demo-app/machines/${m.id}/wait?state=started&timeout=1`);
    expect(wait.status).toBe(200);
    expect(wait.body).toMatchObject({ ok: true, state: "started", version: m.version });
  });

  it("refuses a second machine with a name the app already uses, and frees it once destroyed", async () => {
    const dup = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { name: "demo-web", config: { image: IMAGE } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toContain('"demo-web" already exists');
    const m = await createMachine(sb, { name: "short-lived" });
    await call(sb, "DELETE", `/apps/demo-app/machines/${m.id}?force=true`);
    await sb.settle();
    expect((await createMachine(sb, { name: "short-lived" })).name).toBe("short-lived");
  });

  it("leaves a skip_launch machine in created", async () => {
    const m = await createMachine(sb, { skip_launch: true });
    expect(m.state).toBe("created");
    const start = await call(sb, "POST", `/apps/demo-app/machines/${m.id}/start`);
    expect(start.body).toEqual({ previous_state: "created" });
  });

  it("requires config.image and validates field types like Fly's JSON decoder", async () => {
    const noImage = await call(sb, "POST", "/apps/demo-app/machines", { body: { config: {} } });
    expect(noImage.status).toBe(400);
    expect(noImage.body.error).toContain("image");
    const wrongType = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { config: { image: IMAGE, guest: { cpus: "2" } } },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toContain("CreateMachineRequest.config.guest.cpus");
    const badRegion = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { config: { image: IMAGE }, region: "mars" },
    });
    expect(badRegion.status).toBe(400);
    const badMemory = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { config: { image: IMAGE, guest: { cpus: 1, memory_mb: 300 } } },
    });
    expect(badMemory.status).toBe(400);
    expect((await call(sb, "POST", "/apps/demo-app/machines", { body: "{not json" })).status).toBe(400);
  });

  it("update writes a new version, passes through replacing, and 409s on a stale current_version", async () => {
    const m = await createMachine(sb);
    const updated = await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, {
      body: { config: { image: "nginx:1.27" }, current_version: m.version },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).not.toBe(m.version);
    expect(updated.body.config.image).toBe("nginx:1.27");
    const events = (await call(sb, "GET", `/apps/demo-app/machines/${m.id}/events`)).body;
    expect(events.map((e: Json) => e.status)).toEqual([
      "started",
      "starting",
      "replacing",
      "started",
      "starting",
      "created",
    ]);
    const stale = await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, {
      body: { config: { image: IMAGE }, current_version: m.version },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toContain(m.version);
  });

  it("replaces the whole config on update and lists one version per create/update", async () => {
    const m = await createMachine(sb, { config: { image: IMAGE, env: { A: "1" } } });
    await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, { body: { config: { image: IMAGE } } });
    await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, { body: { config: { image: "nginx:1" } } });
    const got = (await call(sb, "GET", `/apps/demo-app/machines/${m.id}`)).body;
    expect(got.config.env).toBeUndefined();
    const versions = (await call(sb, "GET", `/apps/demo-app/machines/${m.id}/versions`)).body;
    expect(versions).toHaveLength(3);
    expect(versions[0]).toEqual({ version: got.version, user_config: { image: "nginx:1" } });
    expect(versions[2].user_config.env).toEqual({ A: "1" });
    const old = await call(sb, "GET", `/apps/demo-app/machines/${m.id}?version=${versions[2].version}`);
    expect(old.body.config.env).toEqual({ A: "1" });
  });

  it("update with skip_launch leaves the machine stopped", async () => {
    const m = await createMachine(sb);
    const res = await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, {
      body: { config: { image: IMAGE }, skip_launch: true },
    });
    expect(res.body.state).toBe("stopped");
  });

  it("delete needs a stopped machine unless force=true; it goes destroying -> destroyed", async () => {
    const m = await createMachine(sb);
    const refused = await call(sb, "DELETE", `/apps/demo-app/machines/${m.id}`);
    expect(refused.status).toBe(412);
    expect(refused.body.error).toMatch(/not currently stopped/);
    const forced = await call(sb, "DELETE", `/apps/demo-app/machines/${m.id}?force=true`);
    expect(forced.status).toBe(200);
    expect(forced.body).toEqual({ ok: true });
    const events = (await call(sb, "GET", `/apps/demo-app/machines/${m.id}/events?limit=2`)).body;
    expect(events.map((e: Json) => e.status)).toEqual(["destroyed", "destroying"]);
    expect((await call(sb, "GET", `/apps/demo-app/machines/${m.id}`)).body.state).toBe("destroyed");
    const list = (await call(sb, "GET", "/apps/demo-app/machines")).body;
    expect(list.map((x: Json) => x.id)).not.toContain(m.id);
    const withDeleted = (await call(sb, "GET", "/apps/demo-app/machines?include_deleted=true")).body;
    expect(withDeleted.map((x: Json) => x.id)).toContain(m.id);
    expect((await call(sb, "POST", `/apps/demo-app/machines/${m.id}/start`)).status).toBe(404);
  });

  it("deletes a stopped machine without force", async () => {
    const res = await call(sb, "DELETE", `/apps/demo-app/machines/${seeded(sb, "demo-worker")}`);
    expect(res.status).toBe(200);
  });

  it("filters the list by state, region and metadata, and validates booleans", async () => {
    const started = (await call(sb, "GET", "/apps/demo-app/machines?state=started")).body;
    expect(started.map((m: Json) => m.name)).toEqual(["demo-web"]);
    const both = (await call(sb, "GET", "/apps/demo-app/machines?state=started,stopped")).body;
    expect(both).toHaveLength(2);
    const worker = (await call(sb, "GET", "/apps/demo-app/machines?metadata.role=worker")).body;
    expect(worker.map((m: Json) => m.name)).toEqual(["demo-worker"]);
    expect((await call(sb, "GET", "/apps/demo-app/machines?region=ams")).body).toEqual([]);
    const summary = (await call(sb, "GET", "/apps/demo-app/machines?summary=true")).body;
    expect(summary[0].config).toBeUndefined();
    expect((await call(sb, "GET", "/apps/demo-app/machines?include_deleted=maybe")).status).toBe(400);
    expect((await call(sb, "GET", "/apps/demo-app/machines?state=running")).status).toBe(400);
  });

  it("pages machines with limit and the fly-next-cursor header", async () => {
    await createMachine(sb);
    const first = await call(sb, "GET", "/apps/demo-app/machines?limit=2");
    expect(first.body).toHaveLength(2);
    const cursor = first.headers.get("fly-next-cursor");
    expect(cursor).toBeTruthy();
    const second = await call(sb, "GET", `/apps/demo-app/machines?limit=2&cursor=${cursor}`);
    expect(second.body).toHaveLength(1);
    expect(second.headers.get("fly-next-cursor")).toBeNull();
    const ids = [...first.body, ...second.body].map((m: Json) => m.id);
    expect(new Set(ids).size).toBe(3);
    expect((await call(sb, "GET", "/apps/demo-app/machines?limit=1001")).status).toBe(400);
  });
});
