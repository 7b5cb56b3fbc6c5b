import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/server";
import { z } from "zod";
import { withLocalFields } from "./local-fields.js";
import { portableSchema } from "./portable.js";
import type { DeclaredShape, OutputSchema } from "./results.js";
import type { ToolDef } from "./types.js";

/** MCP hints come from the entry, never written by hand per tool. */
export function annotationsOf(tool: ToolDef): ToolAnnotations {
  return {
    readOnlyHint: tool.access === "read",
    // Destructive for some arguments or state counts; a command run inside a machine can do anything.
    destructiveHint: tool.destructive !== false || tool.losses !== undefined || tool.access === "exec",
    idempotentHint:
      tool.idempotent ??
      (tool.access === "read" || tool.method === "GET" || tool.method === "PUT" || tool.method === "DELETE"),
    openWorldHint: true,
  };
}

export type ArgDefaults = Readonly<Record<string, string | undefined>>;

/**
 * Memoizes a value per tool and set of defaults: HTTP builds a server per session or request, and
 * schemas should be built and converted once, not each time.
 */
export function perToolAndDefaults<T>(build: (tool: ToolDef, defaults: ArgDefaults) => T) {
  const cache = new WeakMap<ToolDef, Map<string, T>>();
  return (tool: ToolDef, defaults: ArgDefaults): T => {
    const key = JSON.stringify(defaults);
    let byDefaults = cache.get(tool);
    if (!byDefaults) {
      byDefaults = new Map();
      cache.set(tool, byDefaults);
    }
    if (!byDefaults.has(key)) byDefaults.set(key, build(tool, defaults));
    return byDefaults.get(key)!;
  };
}

/**
 * With FLY_APP_NAME / FLY_ORG_SLUG set, those arguments become optional and say their default.
 * Tools that can be destructive also take `confirm` (see src/policy/echo-confirm.ts).
 */
export const inputWithDefaults = perToolAndDefaults(buildInputWithDefaults);

function buildInputWithDefaults(tool: ToolDef, defaults: ArgDefaults): z.ZodObject {
  const shape = tool.input.shape;
  const overrides: Record<string, z.ZodType> = {};
  for (const [field, value] of Object.entries(defaults)) {
    const schema = shape[field];
    if (value === undefined || !schema) continue;
    const description = schema.description ?? field;
    overrides[field] = (schema as z.ZodType).optional().describe(`${description} (default: ${value})`);
  }
  return withLocalFields(tool, Object.keys(overrides).length ? tool.input.extend(overrides) : tool.input);
}

export function applyDefaults(
  tool: ToolDef,
  args: Record<string, unknown>,
  defaults: ArgDefaults,
): Record<string, unknown> {
  const out = { ...args };
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && field in tool.input.shape && out[field] === undefined) out[field] = value;
  }
  return out;
}

/** The one shape a tool answers, when its shaping declares one. */
export function outputOf(tool: ToolDef): OutputSchema | undefined {
  return (tool.shape as Partial<DeclaredShape> | undefined)?.output;
}

const isObject = (data: unknown): data is Record<string, unknown> =>
  typeof data === "object" && data !== null && !Array.isArray(data);

/**
 * Compact JSON text for every result, plus the same object as structuredContent for reads and for
 * tools with an output schema. A bare list becomes `{items}` in both, so text and structure agree.
 */
export function successResult(tool: ToolDef, data: unknown, text?: string): CallToolResult {
  const shaped = Array.isArray(data) ? { items: data } : data;
  const result: CallToolResult = {
    content: [{ type: "text", text: text ?? (shaped === undefined ? "OK" : JSON.stringify(shaped)) }],
  };
  const output = outputOf(tool);
  if (isObject(shaped) && (tool.access === "read" || output))
    result.structuredContent = output ? conforming(output, shaped) : shaped;
  return result;
}

/**
 * Clients refuse a whole result whose structuredContent does not match the tool's output schema,
 * which would show a call Fly carried out as failed. So a field Fly sends in a form its spec does not
 * promise (say, null) is left out of the structure; the text still has it.
 */
function conforming(schema: OutputSchema, data: Record<string, unknown>): Record<string, unknown> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return data;
  const copy = structuredClone(data);
  for (const issue of parsed.error.issues) {
    let parent: unknown = copy;
    for (const key of issue.path.slice(0, -1)) parent = (parent as Record<PropertyKey, unknown>)?.[key];
    const last = issue.path.at(-1);
    if (typeof parent === "object" && parent !== null && last !== undefined)
      delete (parent as Record<PropertyKey, unknown>)[last];
  }
  return copy;
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** JSON Schema of a tool's input (or output) as tools/list publishes it, in its portable spelling. */
export function jsonSchemaOf(
  schema: OutputSchema,
  io: "input" | "output" = "input",
): Record<string, unknown> {
  // JSON Schema 2020-12, the dialect MCP assumes when `$schema` is absent (so it is left out).
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io }) as Record<string, unknown>;
  delete json.$schema;
  return portableSchema(json);
}
