import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { applyEdits, modify, type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import type { ClientEntry } from "./entries.js";

export class ConfigFileError extends Error {}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" } };

/**
 * Merges one server entry into a client's config file, keeping everything else in it (other
 * servers, settings, comments). Refuses to replace an entry of the same name unless `force`.
 * Returns the path of the backup, when there was a file to back up.
 */
export function mergeIntoFile(
  path: string,
  name: string,
  e: ClientEntry,
  opts: { force?: boolean; now?: () => Date } = {},
): { backup?: string } {
  const original = existsSync(path) ? readFileSync(path, "utf8") : "";
  const errors: ParseError[] = [];
  const doc: unknown = original.trim() ? parse(original, errors, { allowTrailingComma: true }) : {};
  if (errors.length) {
    const first = errors[0]!;
    throw new ConfigFileError(
      `${path}: not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}); fix it or move it away, nothing was written`,
    );
  }
  if (!isJson(doc)) throw new ConfigFileError(`${path}: the top level is not an object; nothing was written`);
  const servers = doc[e.container];
  if (servers !== undefined && !isJson(servers)) {
    throw new ConfigFileError(`${path}: "${e.container}" is not an object; nothing was written`);
  }
  if (isJson(servers) && name in servers && !opts.force) {
    throw new ConfigFileError(
      `${path}: a server named "${name}" is already there; pass --force to replace it, or --name to add another`,
    );
  }

  let text = original.trim() ? original : "{}\n";
  text = applyEdits(text, modify(text, [e.container, name], e.entry, FORMAT));
  const inputs = Array.isArray(doc.inputs) ? (doc.inputs as unknown[]) : [];
  for (const input of e.inputs ?? []) {
    if (inputs.some((i) => isJson(i) && i.id === input.id)) continue;
    const current = parse(text) as Json;
    const at = Array.isArray(current.inputs) ? current.inputs.length : 0;
    const edit =
      at === 0 && !Array.isArray(current.inputs)
        ? modify(text, ["inputs"], [input], FORMAT)
        : modify(text, ["inputs", at], input, { ...FORMAT, isArrayInsertion: true });
    text = applyEdits(text, edit);
  }

  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  if (original) {
    const stamp = (opts.now?.() ?? new Date()).toISOString().replaceAll(":", "-");
    backup = `${path}.${stamp}.bak`;
    copyFileSync(path, backup);
  }
  // Written beside it and renamed, so a crash never leaves half a file.
  const staging = `${path}.fly-machines-mcp.tmp`;
  writeFileSync(staging, text.endsWith("\n") ? text : `${text}\n`);
  renameSync(staging, path);
  return { backup };
}
