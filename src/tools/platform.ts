import { z } from "zod";
import { regionList } from "./results.js";
import { defineTools } from "./types.js";

export const platformTools = defineTools([
  {
    name: "platform_regions_list",
    title: "List regions",
    description: "List Fly regions (code, name, area, paid-only) and the one nearest to this server.",
    toolset: "platform",
    access: "read",
    reach: "org",
    destructive: false,
    method: "GET",
    path: "/platform/regions",
    input: z.object({}),
    shape: regionList,
  },
]);
