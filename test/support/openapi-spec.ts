import { readFileSync } from "node:fs";
import ajvModule, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import formatsModule from "ajv-formats";

// Both are CommonJS; their `.default` is the class/plugin under Node ESM and under Vite alike.
const Ajv2020 = ajvModule.default;
const addFormats = formatsModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

/** A request as a tool sent it (or as the Fly mock captured it). */
export interface SentRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string> | Headers;
  /** Parsed JSON body; a string is taken as raw text and parsed; undefined or "" means no body. */
  body?: unknown;
}

type Schema = Record<string, unknown>;

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  segments: string[];
  operationId: string;
  tags: string[];
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
}

const SPEC_ID = "fly-spec";
const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ORIGIN = "https://api.machines.dev";

const spec = JSON.parse(
  readFileSync(new URL("../../spec/fly-machines-openapi.json", import.meta.url), "utf8"),
) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, Schema> } };

const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, item]) => {
  const shared = (item.parameters ?? []) as Parameter[];
  return HTTP_METHODS.filter((m) => item[m]).map((m) => {
    const op = item[m] as Omit<Operation, "method" | "path" | "segments"> & { tags?: string[] };
    // Operation-level parameters override path-level ones with the same name and location.
    const own = op.parameters ?? [];
    const parameters = [
      ...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)),
      ...own,
    ];
    return {
      method: m.toUpperCase(),
      path,
      segments: path.split("/").slice(1),
      operationId: op.operationId,
      tags: op.tags ?? [],
      parameters,
      requestBody: op.requestBody,
    };
  });
});

export function listOperations(): Array<{
  method: string;
  path: string;
  operationId: string;
  tags: string[];
}> {
  return operations.map(({ method, path, operationId, tags }) => ({ method, path, operationId, tags }));
}

const isTemplate = (segment: string) => /^\{[^}]+\}$/.test(segment);

function matches(op: Operation, segments: string[]): boolean {
  return (
    op.segments.length === segments.length &&
    op.segments.every((s, i) => (isTemplate(s) ? segments[i] !== "" : s === segments[i]))
  );
}

/** Literal segments beat templated ones, leftmost first (so `/certificates/acme` wins over `/{hostname}`). */
function moreSpecific(a: Operation, b: Operation): number {
  for (let i = 0; i < a.segments.length; i++) {
    const diff = Number(isTemplate(a.segments[i]!)) - Number(isTemplate(b.segments[i]!));
    if (diff !== 0) return diff;
  }
  return 0;
}

function matchAll(pathname: string): Operation[] {
  const segments = pathname.split("/").slice(1);
  return operations.filter((op) => matches(op, segments)).sort(moreSpecific);
}

export function findOperation(
  method: string,
  pathname: string,
): { operationId: string; pathTemplate: string } | undefined {
  const op = matchAll(pathname).find((o) => o.method === method.toUpperCase());
  return op && { operationId: op.operationId, pathTemplate: op.path };
}

// ---- strict schemas -------------------------------------------------------------------------------

const COMPONENT_REF = "#/components/schemas/";
const OPEN_REF = "#/open/";

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);
const hasObjectType = (s: Schema) =>
  s.type === "object" || (Array.isArray(s.type) && s.type.includes("object"));

/**
 * A copy of `schema` that rejects object keys the spec does not define. Objects with `properties`
 * and no `additionalProperties` get `additionalProperties: false`; declared maps stay open. When a
 * schema's keys are spread over several subschemas (its own `properties` plus an allOf/oneOf/anyOf, or
 * an allOf of several parts), the parts are kept open and the parent gets `unevaluatedProperties:
 * false`, which sees through them. `open` leaves the top level open for that reason.
 */
export function strictSchema(schema: unknown, components: Record<string, Schema>, open = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => strictSchema(s, components));
  if (!isObject(schema)) return schema;
  const out: Schema = { ...schema };
  const sub = (s: unknown) => strictSchema(s, components);
  const subMap = (m: unknown) =>
    isObject(m) ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, sub(v)])) : m;

  for (const key of ["properties", "patternProperties", "$defs", "dependentSchemas"]) {
    if (key in out) out[key] = subMap(out[key]);
  }
  for (const key of [
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
  ]) {
    if (isObject(out[key])) out[key] = sub(out[key]);
  }
  if (Array.isArray(out.prefixItems)) out.prefixItems = out.prefixItems.map(sub);

  const allOf = Array.isArray(out.allOf) ? (out.allOf as unknown[]) : undefined;
  const hasProps = isObject(out.properties);
  const spread =
    (allOf !== undefined && allOf.length > 1) || (hasProps && Boolean(out.allOf || out.oneOf || out.anyOf));
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    if (!Array.isArray(out[key])) continue;
    const parts = out[key] as unknown[];
    out[key] = spread || open ? parts.map((p) => openPart(p, components)) : parts.map(sub);
  }

  // The spec wraps enums as `{type: "object", allOf: [{$ref: <string enum>}]}`; the wrapper's type
  // would reject every value, so the referenced schema decides the type.
  if (allOf?.length === 1 && out.type === "object" && !hasProps) {
    const target = resolve(allOf[0], components);
    if (target && target.type !== undefined && !hasObjectType(target)) delete out.type;
  }

  const declaresExtras = "additionalProperties" in out || "unevaluatedProperties" in out;
  if (!open && !declaresExtras) {
    if (spread) out.unevaluatedProperties = false;
    else if (hasProps) out.additionalProperties = false;
  }
  return out;
}

/** A part of a spread object: its own top-level keys stay open; refs point at the open variant. */
function openPart(part: unknown, components: Record<string, Schema>): unknown {
  if (isObject(part) && typeof part.$ref === "string" && part.$ref.startsWith(COMPONENT_REF)) {
    return { ...part, $ref: OPEN_REF + part.$ref.slice(COMPONENT_REF.length) };
  }
  return strictSchema(part, components, true);
}

function resolve(schema: unknown, components: Record<string, Schema>): Schema | undefined {
  if (!isObject(schema)) return undefined;
  if (typeof schema.$ref === "string" && schema.$ref.startsWith(COMPONENT_REF)) {
    return resolve(components[schema.$ref.slice(COMPONENT_REF.length)], components);
  }
  return schema;
}

/** Local refs (`#/...`) inside an inline operation schema point into the registered spec document. */
function rebaseRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebaseRefs);
  if (!isObject(schema)) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === "$ref" && typeof v === "string" && v.startsWith("#") ? SPEC_ID + v : rebaseRefs(v),
    ]),
  );
}

let ajvInstance: Ajv | undefined;
function ajv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const components = spec.components.schemas;
  const strict = Object.fromEntries(
    Object.entries(components).map(([k, s]) => [k, strictSchema(s, components)]),
  );
  const open = Object.fromEntries(
    Object.entries(components).map(([k, s]) => [k, strictSchema(s, components, true)]),
  );
  const instance = new Ajv2020({ strict: false, allErrors: true });
  addFormats(instance);
  instance.addSchema({ $id: SPEC_ID, components: { schemas: strict }, open }, SPEC_ID);
  ajvInstance = instance;
  return instance;
}

const validators = new Map<string, ValidateFunction>();
function validator(key: string, schema: unknown): ValidateFunction {
  let fn = validators.get(key);
  if (!fn) {
    const root = strictSchema(schema, spec.components.schemas);
    fn = ajv().compile(rebaseRefs(root) as Schema);
    validators.set(key, fn);
  }
  return fn;
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  const out = (errors ?? []).map((e) => {
    const path = where + e.instancePath.replace(/\//g, ".").replace(/~1/g, "/").replace(/~0/g, "~");
    if (e.keyword === "additionalProperties")
      return `${path}.${e.params.additionalProperty}: not defined by the spec`;
    if (e.keyword === "unevaluatedProperties")
      return `${path}.${e.params.unevaluatedProperty}: not defined by the spec`;
    if (e.keyword === "enum")
      return `${path}: must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
    return `${path}: ${e.message}`;
  });
  return [...new Set(out)];
}

// ---- request validation ---------------------------------------------------------------------------

/** Query strings carry text; read a value as the declared primitive type, or undefined if it cannot be one. */
function coerce(value: string, type: unknown): unknown {
  const types = Array.isArray(type) ? type : [type];
  if (types.includes("integer") && /^-?\d+$/.test(value)) return Number(value);
  if (types.includes("number") && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  if (types.includes("boolean") && (value === "true" || value === "false")) return value === "true";
  if (types.includes("string") || type === undefined) return value;
  return undefined;
}

/** `metadata.{key}` declares a family of names: each `{...}` stands for any non-empty text. */
function paramMatcher(name: string): RegExp {
  const pattern = name
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".+");
  return new RegExp(`^${pattern}$`);
}

/**
 * Query parameters Fly accepts that the spec does not declare, each with the Fly source that sends or
 * documents it. Anything else undeclared is still a failure.
 */
export const UNDECLARED_QUERY: Readonly<
  Record<string, Readonly<Record<string, { schema: Schema; why: string }>>>
> = {
  Apps_create: {
    wait: { schema: { type: "boolean" }, why: "fly-go flaps CreateApp posts to /apps?wait=true" },
  },
  Apps_delete: {
    force: {
      schema: { type: "boolean" },
      why: "Fly's Machines API guide: append ?force=true to stop and delete an app's machines with it",
    },
  },
};

function checkQuery(op: Operation, params: URLSearchParams): string[] {
  const problems: string[] = [];
  const extra = Object.entries(UNDECLARED_QUERY[op.operationId] ?? {}).map(
    ([name, { schema }]): Parameter => ({ name, in: "query", schema }),
  );
  const declared = [...op.parameters.filter((p) => p.in === "query"), ...extra];
  for (const name of new Set(params.keys())) {
    const param = declared.find((p) => paramMatcher(p.name).test(name));
    if (!param) {
      problems.push(`query.${name}: not declared by ${op.operationId}`);
      continue;
    }
    const schema = param.schema ?? {};
    const values = params.getAll(name);
    const isArray = schema.type === "array";
    if (!isArray && values.length > 1) {
      problems.push(`query.${name}: given ${values.length} times but is not an array`);
      continue;
    }
    const itemType = isArray ? (schema.items as Schema | undefined)?.type : schema.type;
    const coerced = values.map((v) => coerce(v, itemType));
    const bad = values.find((_, i) => coerced[i] === undefined);
    if (bad !== undefined) {
      problems.push(`query.${name}: must be ${String(itemType)}, got ${JSON.stringify(bad)}`);
      continue;
    }
    const fn = validator(`${op.operationId} query ${param.name}`, schema);
    if (!fn(isArray ? coerced : coerced[0])) problems.push(...describe(`query.${name}`, fn.errors));
  }
  for (const param of declared) {
    if (param.required && ![...params.keys()].some((k) => paramMatcher(param.name).test(k))) {
      problems.push(`query.${param.name}: required by ${op.operationId} but missing`);
    }
  }
  return problems;
}

function checkHeaders(op: Operation, headers: Headers): string[] {
  const problems: string[] = [];
  for (const param of op.parameters.filter((p) => p.in === "header")) {
    const value = headers.get(param.name);
    if (value === null) {
      if (param.required) problems.push(`header.${param.name}: required by ${op.operationId} but missing`);
      continue;
    }
    const schema = param.schema ?? {};
    const coerced = coerce(value, schema.type);
    const fn = validator(`${op.operationId} header ${param.name}`, schema);
    if (coerced === undefined) problems.push(`header.${param.name}: must be ${String(schema.type)}`);
    else if (!fn(coerced)) problems.push(...describe(`header.${param.name}`, fn.errors));
  }
  return problems;
}

function checkBody(op: Operation, body: unknown, headers: Headers): string[] {
  if (typeof body === "string" && body !== "") {
    try {
      body = JSON.parse(body);
    } catch {
      return ["body: not valid JSON"];
    }
  }
  const empty = body === undefined || body === "";
  const content = op.requestBody?.content ?? {};
  if (!op.requestBody) return empty ? [] : [`body: ${op.operationId} takes no request body`];
  if (empty) return op.requestBody.required ? [`body: required by ${op.operationId} but missing`] : [];

  const problems: string[] = [];
  const type = headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type && !(type in content)) {
    problems.push(
      `header.content-type: ${type} is not accepted by ${op.operationId} (${Object.keys(content).join(", ")})`,
    );
  }
  const mediaType =
    type && type in content ? type : "application/json" in content ? "application/json" : undefined;
  const schema = mediaType ? content[mediaType]?.schema : undefined;
  if (!schema) return problems;
  const fn = validator(`${op.operationId} body ${mediaType}`, schema);
  if (!fn(bytesAsIntegers(op.operationId, body))) problems.push(...describe("body", fn.errors));
  return problems;
}

/**
 * The secret-key operations' byte fields are Go `[]byte`, which goes over the wire as a base64 string;
 * the spec's `integer[]` is how its generator renders `[]byte` (fly-go `secrets_types.go`). A base64
 * string is checked as the bytes it encodes; anything else is checked as it is.
 */
const BYTE_FIELDS = ["value", "plaintext", "ciphertext", "associated_data", "signature"];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bytesAsIntegers(operationId: string, body: unknown): unknown {
  if (!operationId.startsWith("Secretkey_") || !isObject(body)) return body;
  const out: Schema = { ...body };
  for (const field of BYTE_FIELDS) {
    const value = out[field];
    if (typeof value === "string" && BASE64.test(value)) out[field] = [...Buffer.from(value, "base64")];
  }
  return out;
}

export function validateRequest(req: SentRequest): string[] {
  const url = new URL(req.url, ORIGIN);
  const method = req.method.toUpperCase();
  if (!url.pathname.startsWith("/v1/")) return [`path: ${url.pathname} is not under /v1`];
  const candidates = matchAll(url.pathname);
  if (candidates.length === 0) return [`path: no operation in the spec matches ${url.pathname}`];
  const op = candidates.find((o) => o.method === method);
  if (!op) {
    const allowed = [...new Set(candidates.map((o) => o.method))].join(", ");
    return [`method: ${method} is not defined for ${candidates[0]!.path} (only ${allowed})`];
  }
  const headers = new Headers(req.headers);
  return [
    ...checkQuery(op, url.searchParams),
    ...checkHeaders(op, headers),
    ...checkBody(op, req.body, headers),
  ];
}
