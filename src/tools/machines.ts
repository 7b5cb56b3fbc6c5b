import { z } from "zod";
import {
  appName,
  cursor,
  full,
  leaseNonce,
  limit,
  machineConfig,
  machineId,
  matching,
  newMachineConfig,
  region,
  versionId,
} from "./fields.js";
import { deepMerge } from "./merge.js";
import { machineOutput } from "./outputs.js";
import { RefusedCall } from "./request.js";
import { answers, machineList, okOrBody } from "./results.js";
import { withMinSecretsVersion } from "./secrets-versions.js";
import { defineTools, type ToolArgs, type ToolContext } from "./types.js";

const NONCE = { lease_nonce: "fly-machine-lease-nonce" } as const;

const minSecretsVersion = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe(
    "Boot with at least this secrets version; default: the version of the last secrets write made through this server",
  );

/** Nulls mean "remove this key" (merge semantics); Fly's MachineConfig takes none, so they never go out. */
function withoutNulls(args: ToolArgs): ToolArgs {
  return { ...args, config: deepMerge({}, args.config) };
}

/** `merge: true` reads the current config and applies the given one as a JSON merge patch. */
async function mergeCurrentConfig(args: ToolArgs, ctx: ToolContext): Promise<ToolArgs> {
  if (!args.merge) return withoutNulls(args);
  const res = await ctx.fly.request({
    method: "GET",
    path: `/apps/${args.app_name}/machines/${args.machine_id}`,
    action: "machines_get",
    app: String(args.app_name),
    signal: ctx.signal,
  });
  const current = (res.data ?? {}) as {
    config?: unknown;
    incomplete_config?: unknown;
    host_status?: unknown;
    version?: unknown;
    instance_id?: unknown;
  };
  // With its host unreachable Fly answers `incomplete_config` and no `config`: merging into that
  // would send the patch alone as the whole config.
  if (!current.config || typeof current.config !== "object") {
    const host = typeof current.host_status === "string" ? ` (host_status: ${current.host_status})` : "";
    throw new RefusedCall(
      `machines_update with merge: Fly did not return machine ${String(args.machine_id)}'s full config${host}, ` +
        "so there is nothing safe to merge into and nothing was changed. Try again when machines_get shows a config, " +
        "or send the complete config without merge.",
    );
  }
  const version = current.version ?? current.instance_id;
  return {
    ...args,
    config: deepMerge(current.config, args.config),
    // Refuse the write if someone else changed the machine between our read and this update.
    current_version: args.current_version ?? (typeof version === "string" ? version : undefined),
  };
}

export const machineTools = defineTools([
  {
    name: "machines_list",
    title: "List machines",
    description:
      "List an app's machines (id, name, state, region, image). Filter by region, state or metadata.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines",
    input: z.object({
      app_name: appName,
      region: region.optional().describe("Region code, e.g. iad; omit for any"),
      state: matching(/^[a-z,]+$/, "states are lowercase names separated by commas")
        .optional()
        .describe("Comma-separated states, e.g. started,stopped"),
      metadata: z
        .record(matching(/^[A-Za-z0-9_.-]+$/, "metadata keys are letters, digits, _ . -"), z.string())
        .optional()
        .describe("Only machines whose metadata has these key/values"),
      include_deleted: z.boolean().optional().describe("Include destroyed machines"),
      limit: limit(1000),
      cursor,
      full,
    }),
    query: ["region", "state", "metadata.*", "include_deleted", "limit", "cursor"],
    shape: machineList,
  },
  {
    name: "machines_get",
    title: "Get machine",
    description: "Read one machine with its full config, state, events, checks and image.",
    toolset: "core",
    access: "read",
    reach: "app",
    destructive: false,
    method: "GET",
    path: "/apps/{app_name}/machines/{machine_id}",
    shape: answers(machineOutput),
    input: z.object({
      app_name: appName,
      machine_id: machineId,
      version: versionId.optional().describe("A past version id, to read its config"),
      include_leases: z.boolean().optional().describe("Include who holds a lease"),
    }),
    query: ["version", "include_leases"],
  },
  {
    name: "machines_create",
    title: "Create machine",
    description:
      "Create a machine from a config (image required) and start it unless skip_launch. Copy a working machine's config when you can.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/machines",
    shape: answers(machineOutput),
    input: z.object({
      app_name: appName,
      config: newMachineConfig,
      name: matching(/^[a-z0-9][a-z0-9-]{0,62}$/, "machine names are lowercase letters, digits and dashes")
        .optional()
        .describe("Unique machine name; generated if omitted"),
      region: region.optional().describe("Region code, e.g. iad; omit for any"),
      skip_launch: z.boolean().optional().describe("Create it stopped"),
      lease_ttl: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .optional()
        .describe("Also take a lease for this many seconds; its nonce is in the result"),
      min_secrets_version: minSecretsVersion,
    }),
    body: ["config", "name", "region", "skip_launch", "lease_ttl", "min_secrets_version"],
    prepare: async (args, ctx) => withMinSecretsVersion(withoutNulls(args), ctx),
  },
  {
    name: "machines_update",
    title: "Update machine",
    description:
      "Replace a machine's config (creates a new version and restarts it). Without merge the config REPLACES the old one; with merge: true only the given keys change (null removes a key).",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: false,
    method: "POST",
    path: "/apps/{app_name}/machines/{machine_id}",
    shape: answers(machineOutput),
    input: z.object({
      app_name: appName,
      machine_id: machineId,
      config: machineConfig,
      merge: z.boolean().optional().describe("Merge config into the current one instead of replacing it"),
      current_version: versionId
        .optional()
        .describe("Fail with 409 if the machine is no longer at this version"),
      skip_launch: z.boolean().optional().describe("Do not start it after the update"),
      min_secrets_version: minSecretsVersion,
      lease_nonce: leaseNonce,
    }),
    body: ["config", "current_version", "skip_launch", "min_secrets_version"],
    headers: NONCE,
    prepare: async (args, ctx) => withMinSecretsVersion(await mergeCurrentConfig(args, ctx), ctx),
  },
  {
    name: "machines_delete",
    title: "Delete machine",
    description: "Destroy a machine permanently. It must be stopped unless force is true.",
    toolset: "core",
    access: "write",
    reach: "app",
    destructive: true,
    method: "DELETE",
    path: "/apps/{app_name}/machines/{machine_id}",
    input: z.object({
      app_name: appName,
      machine_id: machineId,
      force: z.boolean().optional().describe("Kill it if it is running"),
      lease_nonce: leaseNonce,
    }),
    query: ["force"],
    headers: NONCE,
    shape: okOrBody,
  },
]);
