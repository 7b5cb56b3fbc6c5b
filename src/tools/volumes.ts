import { z } from "zod";
import { appName, cursor, full, limit, matching, region, volumeId } from "./fields.js";
import { extendVolumeOutput, volumeOutput } from "./outputs.js";
import { adapted, answers, volumeList } from "./results.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, volume_id: volumeId };

// fly-go's GetVolumes leaves these out (flaps_volumes.go), and so does `fly volumes list`.
const GOING_AWAY = new Set([
  "scheduling_destroy",
  "fork_cleanup",
  "waiting_for_detach",
  "pending_destroy",
  "destroying",
  "destroyed",
]);

const liveVolumes = (data: unknown): unknown =>
  Array.isArray(data)
    ? data.filter((v) => !GOING_AWAY.has((v as { state?: unknown } | null)?.state as string))
    : data;

export const volumeTools = defineTools([
  {
    name: "volumes_list",
    title: "List volumes",
    description:
      "List an app's volumes with size, region and attached machine; volumes being destroyed are left out unless include_destroying.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/volumes",
    input: z.object({
      app_name: appName,
      limit: limit(1000),
      cursor,
      full,
      include_destroying: z
        .boolean()
        .optional()
        .describe("Also show volumes being destroyed (pending_destroy, destroying, ...)"),
    }),
    query: ["limit", "cursor"],
    shape: adapted(volumeList, (res, args) =>
      args.include_destroying ? res : { ...res, data: liveVolumes(res.data) },
    ),
  },
  {
    name: "volumes_get",
    title: "Get volume",
    description: "Read one volume: state, size, region, zone, usage, attached machine.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/volumes/{volume_id}",
    shape: answers(volumeOutput),
    input: z.object(target),
  },
  {
    name: "volumes_create",
    title: "Create volume",
    description:
      "Create a volume pinned to one region; mount it with config.mounts on a machine in that region (one volume per machine).",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/volumes",
    shape: answers(volumeOutput),
    input: z.object({
      app_name: appName,
      name: matching(
        /^[a-z0-9_]{1,30}$/,
        "volume names are lowercase letters, digits and underscores, up to 30",
      ).describe("Volume name"),
      region: region.describe("Region the volume lives in"),
      size_gb: z
        .number()
        .int()
        .min(1)
        .max(500)
        .optional()
        .describe("Size in GB; omit to take a snapshot's size"),
      encrypted: z.boolean().optional().describe("Encrypt at rest (default true)"),
      snapshot_id: matching(/^[A-Za-z0-9_]{1,64}$/, "snapshot ids are letters, digits and _")
        .optional()
        .describe("Restore from this snapshot"),
      require_unique_zone: z
        .boolean()
        .optional()
        .describe("Place on a different host than the app's other volumes"),
    }),
    body: ["name", "region", "size_gb", "encrypted", "snapshot_id", "require_unique_zone"],
  },
  {
    name: "volumes_extend",
    title: "Extend volume",
    description:
      "Grow a volume to size_gb (it can never shrink); the result says whether the machine needs a restart.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    idempotent: true,
    method: "PUT",
    path: "/apps/{app_name}/volumes/{volume_id}/extend",
    shape: answers(extendVolumeOutput),
    input: z.object({
      ...target,
      size_gb: z.number().int().min(1).max(500).describe("New size in GB, larger than now"),
    }),
    body: ["size_gb"],
  },
  {
    name: "volumes_delete",
    title: "Delete volume",
    description: "Destroy a volume and its data permanently. Detach it from its machine first.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}/volumes/{volume_id}",
    shape: answers(volumeOutput),
    input: z.object(target),
  },
]);
