import { z } from "zod";
import { withListKeys } from "./casing.js";
import { orgSlug } from "./fields.js";
import { placementsOutput } from "./outputs.js";
import { answers } from "./results.js";
import { defineTools } from "./types.js";

export const placementTools = defineTools([
  {
    name: "platform_placements_simulate",
    title: "Simulate placement",
    description: "Ask which regions have room for count machines of a size (creates nothing).",
    toolset: "placements",
    access: "read",
    reach: "org",
    destructive: false,
    idempotent: true,
    method: "POST",
    path: "/platform/placements",
    input: z.object({
      org_slug: orgSlug,
      region: z
        .string()
        .max(256)
        .optional()
        .describe('Regions or aliases, e.g. "lhr,eu"; default nearest,any'),
      count: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .optional()
        .describe("Machines to place; 0 shows each region's limit"),
      compute: z
        .looseObject({
          cpu_kind: z.enum(["shared", "performance"]).optional(),
          cpus: z.number().int().min(1).optional(),
          memory_mb: z.number().int().min(128).optional(),
        })
        .optional()
        .describe("Guest size {cpu_kind, cpus, memory_mb}; default performance-1x"),
      volume_name: z.string().max(30).optional().describe("Volume each machine needs"),
      volume_size_bytes: z.number().int().min(1).optional().describe("Size of that volume"),
    }),
    body: ["org_slug", "region", "count", "compute", "volume_name", "volume_size_bytes"],
    // fly-go's RegionPlacement has no JSON tags, so Fly may answer `Regions: [{Region, Count, ...}]`.
    shape: answers(placementsOutput, (res) =>
      withListKeys(res.data, [], "regions", ["region", "count", "concurrency"]),
    ),
  },
]);
