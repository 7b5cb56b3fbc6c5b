type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

// Keywords whose value may be a bare boolean schema, or that constrain nothing when they accept anything.
const BOOLEAN_SCHEMA_KEYWORDS = new Set([
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "items",
]);
// Keywords that say nothing about the value: a schema with only these accepts anything.
const ANNOTATIONS = new Set([
  "description",
  "title",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

const acceptsAnything = (node: Json) => Object.keys(node).every((k) => ANNOTATIONS.has(k));

/**
 * Rewrites a JSON Schema into the spelling every client accepts (the MCP Inspector's portability
 * rules; clients that map schemas onto a single-`type` dialect such as Gemini's): a free-form
 * `additionalProperties: {}` or `items: {}` is dropped, and `type: [a, b]` becomes `anyOf` of single
 * types. The set of accepted values does not change. Also dropped, as they say nothing and cost
 * tokens in every client's context: an empty `properties`, and zod's integer bounds at
 * +-Number.MAX_SAFE_INTEGER (the server's own check still applies them).
 */
export function portableSchema(node: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // Absent means the same as a free-form `{}` or `true`, in no tokens at all.
    if (BOOLEAN_SCHEMA_KEYWORDS.has(key) && (value === true || (isJson(value) && acceptsAnything(value))))
      continue;
    else if (key === "properties" && isJson(value) && Object.keys(value).length === 0) continue;
    else if (
      (key === "minimum" || key === "maximum") &&
      Math.abs(value as number) === Number.MAX_SAFE_INTEGER
    )
      continue;
    else if (key === "properties" || key === "definitions" || key === "$defs" || key === "patternProperties")
      out[key] = isJson(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v)]))
        : value;
    else if (key === "anyOf" || key === "oneOf" || key === "allOf" || key === "prefixItems")
      out[key] = Array.isArray(value) ? value.map(sub) : value;
    else if (key === "items" || key === "not" || key === "additionalProperties" || key === "propertyNames")
      out[key] = Array.isArray(value) ? value.map(sub) : sub(value);
    else out[key] = value;
  }
  if (Array.isArray(out.type)) {
    const branches = (out.type as unknown[]).map((type) => ({ type }));
    delete out.type;
    // Both spellings must hold when the node already has an anyOf of its own.
    if (out.anyOf) out.allOf = [...((out.allOf as unknown[]) ?? []), { anyOf: branches }];
    else out.anyOf = branches;
  }
  return out;
}

const sub = (value: unknown): unknown => (isJson(value) ? portableSchema(value) : value);
