import { describe, expect, it } from "vitest";
import { call, quickSandbox } from "./helpers.js";

describe("sandbox volume snapshots and settings", () => {
  it("takes a snapshot, lists it and restores a new volume from it", async () => {
    const sb = quickSandbox();
    const vol = (
      await call(sb, "POST", "/apps/demo-app/volumes", { body: { name: "data", region: "iad", size_gb: 3 } })
    ).body;
    const base = `/apps/demo-app/volumes/${vol.id}/snapshots`;
    expect((await call(sb, "GET", base)).body).toEqual([]);
    const taken = await call(sb, "POST", base);
    expect(taken.status).toBe(200);
    expect(taken.text).toBe("");
    const [snap] = (await call(sb, "GET", base)).body;
    expect(snap).toMatchObject({
      id: expect.stringMatching(/^vs_/),
      status: "created",
      volume_size: 3 * 1024 ** 3,
      retention_days: 5,
    });
    expect(snap.size).toBeGreaterThan(0);
    const small = await call(sb, "POST", "/apps/demo-app/volumes", {
      body: { name: "copy", region: "iad", snapshot_id: snap.id, size_gb: 1 },
    });
    expect(small.status).toBe(400);
    const restored = await call(sb, "POST", "/apps/demo-app/volumes", {
      body: { name: "copy", region: "iad", snapshot_id: snap.id },
    });
    expect(restored.body.size_gb).toBe(3);
    expect(
      (
        await call(sb, "POST", "/apps/demo-app/volumes", {
          body: { name: "x", region: "iad", snapshot_id: "vs_nope" },
        })
      ).status,
    ).toBe(404);
    expect((await call(sb, "POST", "/apps/demo-app/volumes/vol_missing/snapshots")).status).toBe(404);
  });

  it("shows a snapshot as creating until the transition passes", async () => {
    const sb = quickSandbox({ transitionMs: 30 });
    const vol = (await call(sb, "POST", "/apps/demo-app/volumes", { body: { name: "data", region: "iad" } }))
      .body;
    await call(sb, "POST", `/apps/demo-app/volumes/${vol.id}/snapshots`);
    const [pending] = (await call(sb, "GET", `/apps/demo-app/volumes/${vol.id}/snapshots`)).body;
    expect(pending.status).toBe("creating");
    expect(
      (
        await call(sb, "POST", "/apps/demo-app/volumes", {
          body: { name: "c", region: "iad", snapshot_id: pending.id },
        })
      ).status,
    ).toBe(400);
    await sb.settle();
    expect((await call(sb, "GET", `/apps/demo-app/volumes/${vol.id}/snapshots`)).body[0].status).toBe(
      "created",
    );
  });

  it("updates snapshot settings, which later snapshots keep for their retention", async () => {
    const sb = quickSandbox();
    const vol = (await call(sb, "POST", "/apps/demo-app/volumes", { body: { name: "data", region: "iad" } }))
      .body;
    const path = `/apps/demo-app/volumes/${vol.id}`;
    const updated = await call(sb, "PUT", path, {
      body: { auto_backup_enabled: false, snapshot_retention: 14 },
    });
    expect(updated.body).toMatchObject({ auto_backup_enabled: false, snapshot_retention: 14 });
    expect((await call(sb, "PUT", path, { body: { snapshot_retention: 90 } })).status).toBe(400);
    await call(sb, "POST", `${path}/snapshots`);
    expect((await call(sb, "GET", `${path}/snapshots`)).body[0].retention_days).toBe(14);
  });
});
