import { z } from "zod";
import { withListKeys } from "./casing.js";
import { adapted, regionList } from "./results.js";
import { defineTools } from "./types.js";

const REGION_KEYS = [
  "code",
  "name",
  "geo_region",
  "latitude",
  "longitude",
  "requires_paid_plan",
  "deprecated",
  "mpg_available",
  "gateway_available",
];

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
    // Fly answers `Regions`/`Nearest`; the spec says `regions`/`nearest`. Read both.
    shape: adapted(regionList, (res) => ({
      ...res,
      data: withListKeys(res.data, ["nearest"], "regions", REGION_KEYS),
    })),
  },
]);
