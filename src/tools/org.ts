import { z } from "zod";
import { cursor, full, limit, matching, orgSlug, region } from "./fields.js";
import { orgMachineList, orgVolumeList } from "./results.js";
import { defineTools } from "./types.js";

const filters = {
  org_slug: orgSlug,
  region: region.optional().describe("Only this region"),
  state: matching(/^[a-z_,]+$/, "states are lowercase names separated by commas")
    .optional()
    .describe("Comma-separated states, e.g. started,stopped"),
  updated_after: z.string().max(64).optional().describe("Only those changed after this RFC 3339 time"),
  include_deleted: z.boolean().optional().describe("Include destroyed ones"),
  limit: limit(1000),
  cursor,
  full,
};
const query = ["region", "state", "updated_after", "include_deleted", "limit", "cursor"];

export const orgTools = defineTools([
  {
    name: "org_machines_list",
    title: "List org machines",
    description:
      "List machines across all apps of an org. Pages may be short: follow next_cursor until absent.",
    toolset: "org",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/orgs/{org_slug}/machines",
    input: z.object(filters),
    query,
    shape: orgMachineList,
  },
  {
    name: "org_volumes_list",
    title: "List org volumes",
    description:
      "List volumes across all apps of an org. Pages may be short: follow next_cursor until absent.",
    toolset: "org",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/orgs/{org_slug}/volumes",
    input: z.object(filters),
    query,
    shape: orgVolumeList,
  },
]);
