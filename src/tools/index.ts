import { appTools } from "./apps.js";
import { certificateTools } from "./certificates.js";
import { controlTools } from "./control.js";
import { cordonTools } from "./cordon.js";
import { deprecatedTools } from "./deprecated.js";
import { infoTools } from "./info.js";
import { ipTools } from "./ips.js";
import { leaseTools } from "./leases.js";
import { machineTools } from "./machines.js";
import { memoryTools } from "./memory.js";
import { metadataTools } from "./metadata.js";
import { orgTools } from "./org.js";
import { placementTools } from "./placements.js";
import { platformTools } from "./platform.js";
import { postgresClusterTools } from "./postgres-clusters.js";
import { postgresDatabaseTools } from "./postgres-databases.js";
import { postgresUserTools } from "./postgres-users.js";
import { secretKeyTools } from "./secretkeys.js";
import { secretTools } from "./secrets.js";
import { secretExtraTools } from "./secrets-extra.js";
import { snapshotTools } from "./snapshots.js";
import { tokenTools } from "./tokens.js";
import { tokenExtraTools } from "./tokens-extra.js";
import type { ToolDef } from "./types.js";
import { volumeTools } from "./volumes.js";

export type { AccessClass, ToolArgs, ToolDef, ToolOutcome } from "./types.js";

// Toolsets: each agent's `toolsets:` in the policy file, --toolsets / FLY_MCP_TOOLSETS for the local
// agent (`all` for every one). Tokens: cl100k_base cost of the group's entries in tools/list
// (core + platform = 7,251; all = 19,386; `npm run bench -- context`).
//
// | toolset      | tools | tokens | what                                                             |
// |--------------|-------|--------|------------------------------------------------------------------|
// | core         |    31 |  6,210 | apps, machines, lifecycle, exec, leases, volumes, secrets, OIDC  |
// | platform     |     1 |    155 | regions (read-only; in the default set)                          |
// | org          |     2 |    672 | machines and volumes across an org (read-only)                   |
// | certificates |     8 |  1,130 | TLS certificates: ACME, custom, check, delete                    |
// | ips          |     3 |    423 | IP address assignments                                           |
// | metadata     |     5 |    731 | machine metadata keys                                            |
// | memory       |     3 |    395 | machine memory limit and reclaim (balloon)                       |
// | cordon       |     2 |    260 | take a machine out of / back into proxy routing                  |
// | secrets      |     2 |    288 | one secret: get, set                                             |
// | secretkeys   |     9 |  1,438 | KMS keys: manage, encrypt, decrypt, sign, verify                 |
// | snapshots    |     3 |    403 | volume snapshots and snapshot settings                           |
// | placements   |     1 |    285 | which regions have room for machines of a size                   |
// | tokens       |     5 |    626 | current token, deploy and KMS tokens, token checks               |
// | postgres     |    24 |  2,923 | Managed Postgres: clusters, backups, databases, users, queries   |
// | deprecated   |     1 |    210 | old aliases (metadata PUT); each names its replacement           |

/** The 31 endpoints agents use most. */
export const coreTools: readonly ToolDef[] = [
  ...appTools,
  ...machineTools,
  ...controlTools,
  ...infoTools,
  ...leaseTools,
  ...volumeTools,
  ...secretTools,
  ...tokenTools,
];

/** Every tool the server knows, across all toolsets: one per operation of Fly's OpenAPI spec. */
export const allTools: readonly ToolDef[] = [
  ...coreTools,
  ...platformTools,
  ...orgTools,
  ...certificateTools,
  ...ipTools,
  ...metadataTools,
  ...memoryTools,
  ...cordonTools,
  ...secretExtraTools,
  ...secretKeyTools,
  ...snapshotTools,
  ...placementTools,
  ...tokenExtraTools,
  ...postgresClusterTools,
  ...postgresDatabaseTools,
  ...postgresUserTools,
  ...deprecatedTools,
];

export { DEFAULT_TOOLSETS } from "./default-toolsets.js";

export const toolsets = (): string[] => [...new Set(allTools.map((t) => t.toolset))];

export function selectTools(names: readonly string[] | "all"): ToolDef[] {
  if (names === "all") return [...allTools];
  const wanted = new Set(names);
  return allTools.filter((t) => wanted.has(t.toolset));
}
