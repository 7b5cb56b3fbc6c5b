import { appTools } from "./apps.js";
import { controlTools } from "./control.js";
import { infoTools } from "./info.js";
import { leaseTools } from "./leases.js";
import { machineTools } from "./machines.js";
import { secretTools } from "./secrets.js";
import { tokenTools } from "./tokens.js";
import { volumeTools } from "./volumes.js";
import type { ToolDef } from "./types.js";

export type { AccessClass, ToolArgs, ToolDef, ToolOutcome } from "./types.js";

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

/** Every tool the server knows, across all toolsets. */
export const allTools: readonly ToolDef[] = [...coreTools];

export const toolsets = (): string[] => [...new Set(allTools.map((t) => t.toolset))];

export function selectTools(names: readonly string[] | "all"): ToolDef[] {
  if (names === "all") return [...allTools];
  const wanted = new Set(names);
  return allTools.filter((t) => wanted.has(t.toolset));
}
