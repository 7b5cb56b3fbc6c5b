import { lostMetadata } from "./losses.js";
import { metadataUpdateInput, removesKeys } from "./metadata.js";
import { okOrBody } from "./results.js";
import { defineTools } from "./types.js";

/** Operations Fly keeps only for old clients. Off unless asked for; each names its replacement. */
export const deprecatedTools = defineTools([
  {
    name: "machines_metadata_put",
    title: "Update machine metadata (deprecated PUT)",
    description: "Deprecated PUT alias of machines_metadata_update, same effect; use that instead.",
    toolset: "deprecated",
    access: "write",
    reach: "app",
    destructive: removesKeys,
    losses: lostMetadata,
    method: "PUT",
    path: "/apps/{app_name}/machines/{machine_id}/metadata",
    input: metadataUpdateInput,
    body: ["metadata", "machine_version"],
    shape: okOrBody,
  },
]);
