import type { Context } from "hono";
import { badRequest } from "./errors.js";

/**
 * Request bodies are checked the way Go's encoding/json decodes them on Fly's side: unknown fields are
 * ignored, `null` leaves a field unset, and a value of the wrong type is a 400 naming the field.
 */
export type Spec =
  | { k: "string" }
  | { k: "int" }
  | { k: "number" }
  | { k: "bool" }
  | { k: "any" }
  | { k: "nullable"; of: Spec }
  | { k: "array"; of: Spec }
  | { k: "map"; of: Spec }
  | ObjectSpec;

export interface ObjectSpec {
  k: "object";
  name: string;
  fields: Record<string, Spec>;
}

export const t = {
  string: { k: "string" } as Spec,
  int: { k: "int" } as Spec,
  number: { k: "number" } as Spec,
  bool: { k: "bool" } as Spec,
  any: { k: "any" } as Spec,
  nullable: (of: Spec): Spec => ({ k: "nullable", of }),
  array: (of: Spec): Spec => ({ k: "array", of }),
  map: (of: Spec): Spec => ({ k: "map", of }),
  object: (name: string, fields: Record<string, Spec>): ObjectSpec => ({ k: "object", name, fields }),
};

function goType(spec: Spec): string {
  switch (spec.k) {
    case "string":
      return "string";
    case "int":
      return "int";
    case "number":
      return "float64";
    case "bool":
      return "bool";
    case "any":
      return "interface {}";
    case "nullable":
      return `*${goType(spec.of)}`;
    case "array":
      return `[]${goType(spec.of)}`;
    case "map":
      return `map[string]${goType(spec.of)}`;
    case "object":
      return spec.name;
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return `number ${value}`;
  return typeof value;
}

function typeError(value: unknown, spec: Spec, root: string, path: string[]): never {
  const kind = typeof value === "number" && spec.k !== "int" ? "number" : jsonKind(value);
  const where = path.length ? `Go struct field ${root}.${path.join(".")}` : `Go value`;
  const of = path.length ? goType(spec) : `main.${root}`;
  throw badRequest(`json: cannot unmarshal ${kind} into ${where} of type ${of}`);
}

function check(value: unknown, spec: Spec, root: string, path: string[]): unknown {
  if (value === null) return spec.k === "nullable" ? null : undefined;
  switch (spec.k) {
    case "any":
      return value;
    case "nullable":
      return check(value, spec.of, root, path);
    case "string":
      if (typeof value !== "string") typeError(value, spec, root, path);
      return value;
    case "bool":
      if (typeof value !== "boolean") typeError(value, spec, root, path);
      return value;
    case "number":
      if (typeof value !== "number") typeError(value, spec, root, path);
      return value;
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) typeError(value, spec, root, path);
      return value;
    case "array": {
      if (!Array.isArray(value)) typeError(value, spec, root, path);
      return (value as unknown[]).map((v) => check(v, spec.of, root, path));
    }
    case "map": {
      if (typeof value !== "object" || Array.isArray(value)) typeError(value, spec, root, path);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as object)) {
        const checked = check(v, spec.of, root, [...path, key]);
        if (checked !== undefined) out[key] = checked;
      }
      return out;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) typeError(value, spec, root, path);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as object)) {
        const field = spec.fields[key];
        if (!field) continue;
        const checked = check(v, field, root, [...path, key]);
        if (checked !== undefined) out[key] = checked;
      }
      return out;
    }
  }
}

/** Checks a parsed JSON value against an object spec; returns a copy without unknown fields. */
export function decode<T>(value: unknown, spec: ObjectSpec): T {
  return check(value, spec, spec.name, []) as T;
}

/** Reads and decodes a JSON body. An empty body is `{}` when the body is optional. */
export async function readBody<T>(c: Context, spec: ObjectSpec, optional = false): Promise<T> {
  const text = await c.req.text();
  if (!text.trim()) {
    if (optional) return {} as T;
    throw badRequest("request body is required (JSON)");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`invalid JSON body: ${(error as Error).message}`);
  }
  return decode<T>(parsed, spec);
}

/** Go's strconv.ParseBool. */
export function queryBool(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (["1", "t", "T", "true", "TRUE", "True"].includes(raw)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(raw)) return false;
  throw badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(raw)} is not a boolean`);
}

export function queryInt(c: Context, name: string, min: number, max: number): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw badRequest(`invalid value for query parameter ${name}: ${JSON.stringify(raw)} is not an integer`);
  }
  const n = Number(raw);
  if (n < min || n > max) {
    throw badRequest(
      `invalid value for query parameter ${name}: must be between ${min} and ${max}, got ${n}`,
    );
  }
  return n;
}

export function queryEnum<T extends string>(c: Context, name: string, allowed: readonly T[]): T | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  if (!allowed.includes(raw as T)) {
    throw badRequest(
      `invalid value for query parameter ${name}: ${JSON.stringify(raw)} (expected one of ${allowed.join(", ")})`,
    );
  }
  return raw as T;
}

/** Go's time.ParseDuration syntax, e.g. "10s", "1m30s", "500ms". */
const DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
export const isGoDuration = (value: string): boolean => value === "0" || DURATION.test(value);

/** An RFC 3339 timestamp with an explicit offset (Z or ±hh:mm). */
export const isRfc3339 = (value: string): boolean =>
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
  !Number.isNaN(Date.parse(value));
