import { z } from "zod";
import { appName, machineId, metadataKey, versionId } from "./fields.js";
import { lostMetadata, removedMetadataKeys } from "./losses.js";
import { metadataOutput, metadataValueOutput } from "./outputs.js";
import { answers, okOrBody } from "./results.js";
import { defineTools, type ToolArgs } from "./types.js";

const target = { app_name: appName, machine_id: machineId };
const keyTarget = { ...target, key: metadataKey };

/** Body of the bulk metadata update (PATCH, and its deprecated PUT alias). */
export const metadataUpdateInput = z.object({
  ...target,
  metadata: z
    .record(metadataKey, z.string().max(4096))
    .describe('Keys to set; "" removes a key; keys not given stay'),
  machine_version: versionId.optional().describe("Fail with 412 if the machine is no longer at this version"),
});

/** Removing keys (an empty value) loses what they held. */
export const removesKeys = (args: ToolArgs): boolean => removedMetadataKeys(args).length > 0;

export const metadataTools = defineTools([
  {
    name: "machines_metadata_get",
    title: "Get machine metadata",
    description: "Read all metadata key/values of a machine.",
    toolset: "metadata",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/metadata",
    shape: answers(metadataOutput),
    input: z.object(target),
  },
  {
    name: "machines_metadata_update",
    title: "Update machine metadata",
    description: "Set or remove several metadata keys at once, without a machine restart.",
    toolset: "metadata",
    access: "write",
    reach: "app",
    destructive: removesKeys,
    losses: lostMetadata,
    idempotent: true,
    method: "PATCH",
    path: "/apps/{app_name}/machines/{machine_id}/metadata",
    input: metadataUpdateInput,
    body: ["metadata", "machine_version"],
    shape: okOrBody,
  },
  {
    name: "machines_metadata_get_key",
    title: "Get machine metadata key",
    description: "Read one metadata value of a machine (404 if the key is not set).",
    toolset: "metadata",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}/metadata/{key}",
    shape: answers(metadataValueOutput),
    input: z.object(keyTarget),
  },
  {
    name: "machines_metadata_set_key",
    title: "Set machine metadata key",
    description: "Set one metadata key of a machine to a value.",
    toolset: "metadata",
    access: "write",
    reach: "app",
    destructive: false,
    losses: lostMetadata,
    idempotent: true,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}/metadata/{key}",
    input: z.object({ ...keyTarget, value: z.string().max(4096).describe("Value to store") }),
    body: ["value"],
    shape: okOrBody,
  },
  {
    name: "machines_metadata_delete_key",
    title: "Delete machine metadata key",
    description: "Remove one metadata key from a machine.",
    toolset: "metadata",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}/machines/{machine_id}/metadata/{key}",
    input: z.object(keyTarget),
    shape: okOrBody,
  },
]);
