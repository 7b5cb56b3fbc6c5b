import type { z } from "zod";
import type { FlyResponse } from "../fly/client.js";
import {
  appSummary,
  certificateSummary,
  execOutput,
  itemsOutput,
  leaseOutput,
  listOf,
  machineSummary,
  orgMachineSummary,
  regionSummary,
  tokenOutput,
  volumeSummary,
} from "./outputs.js";
import type { ToolArgs } from "./types.js";

type Shape = (res: FlyResponse, args: ToolArgs) => unknown;
/** The JSON object a tool answers: named fields, or a map (machine metadata). */
export type OutputSchema = z.ZodObject | z.ZodRecord<z.ZodString, z.ZodString>;
/** A shaping function that declares the one shape it answers (the tool's output schema). */
export type DeclaredShape = Shape & { output: OutputSchema };
const declares = <F extends Shape>(shape: F, output: OutputSchema): F & DeclaredShape =>
  Object.assign(shape, { output });

/**
 * Fly's answer as it comes (or after `shape`), declared to have the given shape. A new function
 * each time, so one shaping function can serve tools that answer different shapes.
 */
export const answers = (output: OutputSchema, shape: Shape = (res) => res.data): DeclaredShape =>
  declares((res, args) => shape(res, args), output);

/** A declared shape applied to the answer after `adapt` (filtering, Fly's casing): the schema stays. */
export const adapted = (
  shape: DeclaredShape,
  adapt: (res: FlyResponse, args: ToolArgs) => FlyResponse,
): DeclaredShape => declares((res, args) => shape(adapt(res, args), args), shape.output);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Picks dotted paths (`config.image` becomes `image`) from one item. */
function pick(item: unknown, fields: readonly string[]): unknown {
  if (!isObj(item)) return item;
  const out: Obj = {};
  for (const field of fields) {
    let value: unknown = item;
    for (const part of field.split(".")) value = isObj(value) ? value[part] : undefined;
    if (value !== undefined && value !== null && value !== "") out[field.split(".").pop()!] = value;
  }
  return out;
}

const MACHINE_FIELDS = ["id", "name", "state", "region", "config.image", "created_at", "updated_at"] as const;
const VOLUME_FIELDS = [
  "id",
  "name",
  "state",
  "region",
  "zone",
  "size_gb",
  "encrypted",
  "attached_machine_id",
  "created_at",
] as const;
const APP_FIELDS = ["id", "name", "status", "machine_count", "volume_count", "organization.slug"] as const;
const CERTIFICATE_FIELDS = [
  "hostname",
  "status",
  "configured",
  "has_custom_certificate",
  "has_fly_certificate",
  "dns_provider",
  "updated_at",
] as const;
const ORG_MACHINE_FIELDS = [
  "id",
  "name",
  "app_name",
  "state",
  "region",
  "config.image",
  "updated_at",
] as const;
const REGION_FIELDS = [
  "code",
  "name",
  "geo_region",
  "requires_paid_plan",
  "deprecated",
  "mpg_available",
] as const;

/** A list answered as a JSON array with the next page's cursor in `fly-next-cursor`. */
const arrayList =
  (key: string, fields: readonly string[]) =>
  (res: FlyResponse, args: ToolArgs): unknown => {
    const items = Array.isArray(res.data) ? res.data : [];
    const out: Obj = { [key]: args.full ? items : items.map((i) => pick(i, fields)) };
    const next = res.headers.get("fly-next-cursor");
    if (next) out.next_cursor = next;
    return out;
  };

export const machineList = declares(
  arrayList("machines", MACHINE_FIELDS),
  listOf("machines", machineSummary),
);
export const volumeList = declares(arrayList("volumes", VOLUME_FIELDS), listOf("volumes", volumeSummary));

/** Any other list Fly answers as a bare JSON array: `{items}`, so text and structure are one object. */
export const itemList = declares(
  (res: FlyResponse) => ({ items: Array.isArray(res.data) ? res.data : [] }),
  itemsOutput,
);

/** A list answered as an object holding the array under `key` (and e.g. `next_cursor` beside it). */
const objectList =
  (key: string, fields: readonly string[]) =>
  (res: FlyResponse, args: ToolArgs): unknown => {
    if (!isObj(res.data) || args.full) return res.data;
    const items = Array.isArray(res.data[key]) ? res.data[key] : [];
    return { ...res.data, [key]: items.map((i) => pick(i, fields)) };
  };

export const appList = declares(objectList("apps", APP_FIELDS), listOf("apps", appSummary));
export const certificateList = declares(
  objectList("certificates", CERTIFICATE_FIELDS),
  listOf("certificates", certificateSummary),
);
export const orgMachineList = declares(
  objectList("machines", ORG_MACHINE_FIELDS),
  listOf("machines", orgMachineSummary),
);
export const orgVolumeList = declares(
  objectList("volumes", [...VOLUME_FIELDS, "app_name"]),
  listOf("volumes", volumeSummary),
);
export const regionList = declares(objectList("regions", REGION_FIELDS), listOf("regions", regionSummary));

/** Token endpoints answer text/plain: the agent gets `{token}`. */
export const plainToken = declares(
  (res: FlyResponse) => (typeof res.data === "string" ? { token: res.data.trim() } : res.data),
  tokenOutput,
);

/** Fly documents lease answers wrapped as `{status, data}`; the spec shows them flat. Accept both. */
export const unwrapLease = declares((res: FlyResponse) => {
  const body = res.data;
  if (isObj(body) && "data" in body && ("status" in body || Object.keys(body).length === 1)) return body.data;
  return body;
}, leaseOutput);

export const EXEC_STREAM_CAP = 64 * 1024;

function capStream(text: unknown, name: string, notes: string[]): unknown {
  if (typeof text !== "string") return text;
  const bytes = Buffer.byteLength(text);
  if (bytes <= EXEC_STREAM_CAP) return text;
  notes.push(`${name} truncated to the first ${EXEC_STREAM_CAP} of ${bytes} bytes`);
  return Buffer.from(text).subarray(0, EXEC_STREAM_CAP).toString("utf8");
}

/** Exec answers 200 even when the command failed: the exit code says how it went. */
export const execResult = declares(execShape, execOutput);

function execShape(res: FlyResponse): unknown {
  if (!isObj(res.data)) return res.data;
  const notes: string[] = [];
  const out: Obj = {
    ...res.data,
    stdout: capStream(res.data.stdout, "stdout", notes),
    stderr: capStream(res.data.stderr, "stderr", notes),
  };
  if (notes.length) out.note = notes.join("; ");
  if (typeof out.exit_code === "number" && out.exit_code !== 0) {
    out.failed = `the command exited with code ${out.exit_code}; read stderr`;
  }
  return out;
}

/** Secret writes never echo a value back, whatever Fly answers. */
export function withoutSecretValues(res: FlyResponse): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isObj(v)) return v;
    const out: Obj = {};
    for (const [k, val] of Object.entries(v)) if (k !== "value") out[k] = strip(val);
    return out;
  };
  return strip(res.data);
}

/** Write endpoints that answer 200/202/204 with no body still tell the agent it worked. */
export function okOrBody(res: FlyResponse): unknown {
  return res.data === undefined || res.data === "" ? { ok: true, status: res.status } : res.data;
}
