import { randomBytes } from "node:crypto";
import { badRequest, notFound } from "./errors.js";
import { sha256Hex } from "./ids.js";
import { requireApp } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import type { AppRecord } from "./state.js";

export interface SnapshotRecord {
  id: string;
  volumeId: string;
  status: "creating" | "created";
  sizeBytes: number;
  volumeSizeBytes: number;
  retentionDays: number;
  digest: string;
  createdAt: string;
}

const GB = 1024 ** 3;
/** What a fresh volume holds (the same figure volume views report as bytes_used). */
const USED_BYTES = 2048 * 4096;

export const snapshotView = (s: SnapshotRecord): Record<string, unknown> => ({
  id: s.id,
  status: s.status,
  size: s.sizeBytes,
  volume_size: s.volumeSizeBytes,
  retention_days: s.retentionDays,
  digest: s.digest,
  created_at: s.createdAt,
});

/** The snapshot a new volume restores from, checked against the size asked for. */
export function restoreSource(app: AppRecord, id: string, sizeGb: number | undefined): SnapshotRecord {
  const snapshot = app.snapshots.get(id);
  if (!snapshot) throw notFound(`snapshot not found: ${id}`);
  if (snapshot.status !== "created")
    throw badRequest(`snapshot ${id} is still being created; try again shortly`);
  const needed = Math.ceil(snapshot.volumeSizeBytes / GB);
  if (sizeGb !== undefined && sizeGb < needed) {
    throw badRequest(`size_gb must be at least the snapshot's volume size of ${needed} GB`);
  }
  return snapshot;
}

export function registerSnapshots(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/volumes/:volume_id/snapshots";
  const lookup = (c: SandboxContext) => {
    const app = requireApp(deps.store, c.req.param("app_name") ?? "");
    const id = c.req.param("volume_id") ?? "";
    const volume = app.volumes.get(id);
    if (!volume) throw notFound(`volume not found: ${id}`);
    return { app, volume };
  };

  router.get(base, guard(deps, "volumes_snapshots_list"), (c) => {
    const { app, volume } = lookup(c);
    const list = [...app.snapshots.values()]
      .filter((s) => s.volumeId === volume.id)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return c.json(list.map(snapshotView));
  });

  // The spec answers 200 with no body; the snapshot shows in the list, `creating` until it is taken.
  router.post(base, guard(deps, "volumes_snapshots_create"), (c) => {
    const { app, volume } = lookup(c);
    const createdAt = new Date().toISOString();
    const snapshot: SnapshotRecord = {
      id: `vs_${randomBytes(8).toString("hex")}`,
      volumeId: volume.id,
      status: "creating",
      sizeBytes: USED_BYTES,
      volumeSizeBytes: volume.sizeGb * GB,
      retentionDays: volume.snapshotRetention,
      digest: sha256Hex(`${volume.id}:${createdAt}`),
      createdAt,
    };
    app.snapshots.set(snapshot.id, snapshot);
    deps.delays.chain([
      () => {
        snapshot.status = "created";
      },
    ]);
    return c.body(null, 200);
  });
}
