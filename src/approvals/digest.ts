import { createHash } from "node:crypto";
import { canonicalJson } from "../policy/canonical-json.js";
import type { ToolArgs } from "../tools/types.js";

/** Digest of one tool call: the tool and every argument, secret values included (never shown). */
export function callDigest(tool: string, args: ToolArgs): string {
  return createHash("sha256").update(canonicalJson({ tool, args })).digest("hex");
}
