import { createHash } from "node:crypto";
import type { ToolArgs } from "../tools/types.js";

/** JSON with object keys sorted at every depth, so equal arguments give equal text. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  return out;
}

/** Digest of one tool call: the tool and every argument, secret values included (never shown). */
export function callDigest(tool: string, args: ToolArgs): string {
  return createHash("sha256")
    .update(JSON.stringify(canonical({ tool, args })))
    .digest("hex");
}
