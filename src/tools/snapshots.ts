import { z } from "zod";
import { appName, volumeId } from "./fields.js";
import { volumeOutput } from "./outputs.js";
import { answers, itemList, okOrBody } from "./results.js";
import { defineTools } from "./types.js";

const target = { app_name: appName, volume_id: volumeId };

export const snapshotTools = defineTools([
  {
    name: "volumes_snapshots_list",
    title: "List volume snapshots",
    description:
      "List a volume's snapshots (id, status, size, created_at); pass an id to volumes_create to restore.",
    toolset: "snapshots",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/volumes/{volume_id}/snapshots",
    input: z.object(target),
    shape: itemList,
  },
  {
    name: "volumes_snapshots_create",
    title: "Create volume snapshot",
    description: "Take a snapshot of a volume now, on top of the daily automatic ones.",
    toolset: "snapshots",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/volumes/{volume_id}/snapshots",
    input: z.object(target),
    shape: okOrBody,
  },
  {
    name: "volumes_update",
    title: "Update volume",
    description: "Change a volume's automatic daily snapshots and how many days they are kept.",
    toolset: "snapshots",
    access: "write",
    reach: "app",
    destructive: false,
    method: "PUT",
    path: "/apps/{app_name}/volumes/{volume_id}",
    shape: answers(volumeOutput),
    input: z.object({
      ...target,
      auto_backup_enabled: z.boolean().optional().describe("Take daily snapshots"),
      snapshot_retention: z.number().int().min(1).max(60).optional().describe("Days to keep snapshots"),
    }),
    body: ["auto_backup_enabled", "snapshot_retention"],
  },
]);
