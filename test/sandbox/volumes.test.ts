import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, IMAGE, quickSandbox } from "./helpers.js";

describe("sandbox volumes", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  const createVolume = async (body: Record<string, unknown> = {}) =>
    call(sb, "POST", "/apps/demo-app/volumes", {
      body: { name: "data", region: "ams", size_gb: 3, ...body },
    });
  const mount = (volume: string) => ({ image: IMAGE, mounts: [{ volume, path: "/data" }] });

  it("creates a volume pinned to its region with a zone and a vol_ id", async () => {
    const res = await createVolume();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "data",
      region: "ams",
      size_gb: 3,
      encrypted: true,
      state: "created",
    });
    expect(res.body.id).toMatch(/^vol_[a-z0-9]{16}$/);
    expect(res.body.zone).toMatch(/^[0-9a-f]{4}$/);
    expect((await call(sb, "GET", `/apps/demo-app/volumes/${res.body.id}`)).body.id).toBe(res.body.id);
  });

  it("validates the create body", async () => {
    expect((await createVolume({ name: "Bad-Name" })).status).toBe(400);
    expect((await createVolume({ region: undefined })).status).toBe(400);
    expect((await createVolume({ size_gb: "3" })).body.error).toContain("CreateVolumeRequest.size_gb");
    expect((await createVolume({ size_gb: 0 })).status).toBe(400);
  });

  it("mounts only in the volume's region, and a machine without a region follows the volume", async () => {
    const vol = (await createVolume()).body;
    const wrong = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { region: "iad", config: mount(vol.id) },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toContain("ams");
    const m = await createMachine(sb, { config: mount(vol.id) });
    expect(m.region).toBe("ams");
    expect((await call(sb, "GET", `/apps/demo-app/volumes/${vol.id}`)).body.attached_machine_id).toBe(m.id);
  });

  it("refuses a volume attached elsewhere and more than one mount", async () => {
    const vol = (await createVolume()).body;
    const other = (await createVolume()).body;
    await createMachine(sb, { config: mount(vol.id) });
    expect(
      (await call(sb, "POST", "/apps/demo-app/machines", { body: { config: mount(vol.id) } })).status,
    ).toBe(409);
    const two = await call(sb, "POST", "/apps/demo-app/machines", {
      body: {
        config: {
          image: IMAGE,
          mounts: [
            { volume: vol.id, path: "/a" },
            { volume: other.id, path: "/b" },
          ],
        },
      },
    });
    expect(two.status).toBe(400);
    expect(two.body.error).toMatch(/one volume/);
    const missing = await call(sb, "POST", "/apps/demo-app/machines", {
      body: { config: mount("vol_aaaaaaaaaaaaaaaa") },
    });
    expect(missing.status).toBe(404);
  });

  it("extends only upwards and reports needs_restart", async () => {
    const vol = (await createVolume()).body;
    const same = await call(sb, "PUT", `/apps/demo-app/volumes/${vol.id}/extend`, { body: { size_gb: 3 } });
    expect(same.status).toBe(400);
    expect(
      (await call(sb, "PUT", `/apps/demo-app/volumes/${vol.id}/extend`, { body: { size_gb: 2 } })).status,
    ).toBe(400);
    const grown = await call(sb, "PUT", `/apps/demo-app/volumes/${vol.id}/extend`, { body: { size_gb: 10 } });
    expect(grown.status).toBe(200);
    expect(grown.body).toEqual({ volume: expect.objectContaining({ size_gb: 10 }), needs_restart: false });
  });

  it("refuses to delete an attached volume, and deletes it once the machine is gone", async () => {
    const vol = (await createVolume()).body;
    const m = await createMachine(sb, { config: mount(vol.id) });
    const refused = await call(sb, "DELETE", `/apps/demo-app/volumes/${vol.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain(m.id);
    await call(sb, "DELETE", `/apps/demo-app/machines/${m.id}?force=true`);
    const deleted = await call(sb, "DELETE", `/apps/demo-app/volumes/${vol.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(vol.id);
    expect((await call(sb, "GET", `/apps/demo-app/volumes/${vol.id}`)).status).toBe(404);
  });

  it("moves the attachment when an update changes the mount", async () => {
    const a = (await createVolume()).body;
    const b = (await createVolume()).body;
    const m = await createMachine(sb, { config: mount(a.id) });
    await call(sb, "POST", `/apps/demo-app/machines/${m.id}`, { body: { config: mount(b.id) } });
    expect(sb.store.app("demo-app")!.volumes.get(a.id)!.attachedMachineId).toBeNull();
    expect(sb.store.app("demo-app")!.volumes.get(b.id)!.attachedMachineId).toBe(m.id);
  });

  it("spreads same-named volumes over zones and pages the list", async () => {
    const zones = new Set<string>();
    for (let i = 0; i < 3; i++) zones.add((await createVolume()).body.zone);
    expect(zones.size).toBe(3);
    const full = await createVolume();
    expect(full.status).toBe(422);
    expect((await createVolume({ require_unique_zone: false })).status).toBe(200);
    const first = await call(sb, "GET", "/apps/demo-app/volumes?limit=3");
    expect(first.body).toHaveLength(3);
    const next = first.headers.get("fly-next-cursor");
    const second = await call(sb, "GET", `/apps/demo-app/volumes?limit=3&cursor=${next}`);
    expect(second.body).toHaveLength(1);
    const summary = await call(sb, "GET", "/apps/demo-app/volumes?summary=true");
    expect(summary.body[0].blocks).toBeUndefined();
  });
});
