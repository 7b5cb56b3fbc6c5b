import { checkRegion } from "./config.js";
import { queryBool, queryInt, readBody } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import { volumeId } from "./ids.js";
import { requireApp } from "./lookup.js";
import { paginate } from "./paging.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import { createVolumeSpec, extendVolumeSpec, updateVolumeSpec } from "./schemas.js";
import { restoreSource } from "./snapshots.js";
import type { AppRecord, VolumeRecord } from "./state.js";
import { volumeView } from "./views.js";

const VOLUME_NAME = /^[a-z0-9_]{1,30}$/;
const MAX_SIZE_GB = 500;
/** Each region has a few hardware zones; `require_unique_zone` spreads same-named volumes over them. */
const ZONES = ["a1b2", "c3d4", "e5f6"];

function requireVolume(store: Deps["store"], c: SandboxContext): { app: AppRecord; volume: VolumeRecord } {
  const app = requireApp(store, c.req.param("app_name") ?? "");
  const id = c.req.param("volume_id") ?? "";
  const volume = app.volumes.get(id);
  if (!volume) throw notFound(`volume not found: ${id}`);
  return { app, volume };
}

function checkSize(size: number, field = "size_gb"): void {
  if (size < 1 || size > MAX_SIZE_GB)
    throw badRequest(`invalid ${field} ${size}: must be between 1 and ${MAX_SIZE_GB}`);
}

export interface NewVolume {
  name: string;
  region: string;
  sizeGb: number;
  encrypted?: boolean;
  uniqueZone?: boolean;
}

export function addVolume(app: AppRecord, input: NewVolume): VolumeRecord {
  const taken = new Set(
    [...app.volumes.values()]
      .filter((v) => v.name === input.name && v.region === input.region)
      .map((v) => v.zone),
  );
  const free = ZONES.filter((z) => !taken.has(z));
  if (input.uniqueZone !== false && !free.length) {
    throw new ApiError(
      422,
      `no zone left in ${input.region} for another volume named ${input.name}: pass require_unique_zone=false`,
      "volume_placement_capacity",
    );
  }
  const volume: VolumeRecord = {
    id: volumeId(),
    name: input.name,
    appName: app.name,
    region: input.region,
    zone: free[0] ?? ZONES[0]!,
    sizeGb: input.sizeGb,
    encrypted: input.encrypted ?? true,
    fstype: "ext4",
    state: "created",
    attachedMachineId: null,
    autoBackupEnabled: true,
    snapshotRetention: 5,
    createdAt: new Date().toISOString(),
  };
  app.volumes.set(volume.id, volume);
  return volume;
}

export function registerVolumes(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;
  const base = "/v1/apps/:app_name/volumes";

  router.get(base, guard(deps, "volumes_list"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const summary = queryBool(c, "summary") ?? false;
    const limit = queryInt(c, "limit", 1, 1000);
    const { page, next } = paginate(
      [...app.volumes.values()],
      (v) => `${v.createdAt}|${v.id}`,
      limit,
      c.req.query("cursor"),
    );
    if (next) c.header("fly-next-cursor", next);
    return c.json(page.map((v) => volumeView(v, summary)));
  });

  router.post(base, guard(deps, "volumes_create"), async (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const body = await readBody<{
      name?: string;
      region?: string;
      size_gb?: number;
      encrypted?: boolean;
      require_unique_zone?: boolean;
      snapshot_id?: string;
      source_volume_id?: string;
      auto_backup_enabled?: boolean;
      snapshot_retention?: number;
    }>(c, createVolumeSpec);
    if (!body.name) throw badRequest("name is required");
    if (!VOLUME_NAME.test(body.name)) {
      throw badRequest(
        `invalid volume name ${JSON.stringify(body.name)}: use up to 30 lowercase letters, digits and underscores`,
      );
    }
    if (!body.region) throw badRequest("region is required");
    checkRegion(body.region);
    const source = body.source_volume_id ? app.volumes.get(body.source_volume_id) : undefined;
    if (body.source_volume_id && !source) throw notFound(`source volume not found: ${body.source_volume_id}`);
    if (source && source.region !== body.region) {
      throw badRequest(`a fork must be in the source volume's region (${source.region})`);
    }
    const snapshot = body.snapshot_id ? restoreSource(app, body.snapshot_id, body.size_gb) : undefined;
    const size =
      body.size_gb ?? source?.sizeGb ?? (snapshot ? Math.ceil(snapshot.volumeSizeBytes / 1024 ** 3) : 1);
    checkSize(size);
    if (source && size < source.sizeGb)
      throw badRequest(`size_gb must be at least the source volume's ${source.sizeGb} GB`);
    if (
      body.snapshot_retention !== undefined &&
      (body.snapshot_retention < 1 || body.snapshot_retention > 60)
    ) {
      throw badRequest("invalid snapshot_retention: must be between 1 and 60 days");
    }
    const volume = addVolume(app, {
      name: body.name,
      region: body.region,
      sizeGb: size,
      encrypted: body.encrypted,
      uniqueZone: body.require_unique_zone,
    });
    if (body.auto_backup_enabled !== undefined) volume.autoBackupEnabled = body.auto_backup_enabled;
    if (body.snapshot_retention !== undefined) volume.snapshotRetention = body.snapshot_retention;
    return c.json(volumeView(volume));
  });

  router.get(`${base}/:volume_id`, guard(deps, "volumes_show"), (c) =>
    c.json(volumeView(requireVolume(store, c).volume)),
  );

  router.put(`${base}/:volume_id`, guard(deps, "volumes_update"), async (c) => {
    const { volume } = requireVolume(store, c);
    const body = await readBody<{ auto_backup_enabled?: boolean; snapshot_retention?: number }>(
      c,
      updateVolumeSpec,
    );
    if (body.snapshot_retention !== undefined) {
      if (body.snapshot_retention < 1 || body.snapshot_retention > 60) {
        throw badRequest("invalid snapshot_retention: must be between 1 and 60 days");
      }
      volume.snapshotRetention = body.snapshot_retention;
    }
    if (body.auto_backup_enabled !== undefined) volume.autoBackupEnabled = body.auto_backup_enabled;
    volume.updatedAt = new Date().toISOString();
    return c.json(volumeView(volume));
  });

  router.put(`${base}/:volume_id/extend`, guard(deps, "volumes_extend"), async (c) => {
    const { app, volume } = requireVolume(store, c);
    const body = await readBody<{ size_gb?: number }>(c, extendVolumeSpec);
    if (body.size_gb === undefined) throw badRequest("size_gb is required");
    if (body.size_gb <= volume.sizeGb) {
      throw badRequest(
        `size_gb ${body.size_gb} must be larger than the current size of ${volume.sizeGb} GB: volumes only grow`,
      );
    }
    checkSize(body.size_gb);
    volume.sizeGb = body.size_gb;
    volume.updatedAt = new Date().toISOString();
    const machine = volume.attachedMachineId ? app.machines.get(volume.attachedMachineId) : undefined;
    return c.json({ volume: volumeView(volume), needs_restart: machine?.state === "started" });
  });

  router.delete(`${base}/:volume_id`, guard(deps, "volumes_delete"), (c) => {
    const { app, volume } = requireVolume(store, c);
    if (volume.attachedMachineId) {
      throw conflict(
        `volume ${volume.id} is attached to machine ${volume.attachedMachineId}: destroy the machine or remove the mount first`,
      );
    }
    app.volumes.delete(volume.id);
    volume.state = "destroyed";
    return c.json(volumeView(volume));
  });
}
