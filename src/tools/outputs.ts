import { z } from "zod";

/**
 * Output schemas: the one shape a tool answers, typed after Fly's spec and our shaping in results.ts.
 * Loose on purpose: Fly may add fields, `full: true` lists pass items through unpicked, and a
 * field Fly leaves out is simply absent. Every field optional unless our shaping always sets it.
 */
const str = z.string();
const int = z.number().int();
const bool = z.boolean();
const loose = (fields: Record<string, z.ZodType>) =>
  z.looseObject(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])));

const cursor = { next_cursor: str.optional() };

export const machineSummary = loose({
  id: str,
  name: str,
  state: str,
  region: str,
  image: str,
  created_at: str,
  updated_at: str,
});
export const volumeSummary = loose({
  id: str,
  name: str,
  state: str,
  region: str,
  zone: str,
  size_gb: int,
  encrypted: bool,
  attached_machine_id: str,
  created_at: str,
  app_name: str,
});
export const appSummary = loose({
  id: str,
  name: str,
  status: str,
  machine_count: int,
  volume_count: int,
  slug: str,
});
export const certificateSummary = loose({
  hostname: str,
  status: str,
  configured: bool,
  has_custom_certificate: bool,
  has_fly_certificate: bool,
  dns_provider: str,
  updated_at: str,
});
export const orgMachineSummary = loose({
  id: str,
  name: str,
  app_name: str,
  state: str,
  region: str,
  image: str,
  updated_at: str,
});
export const regionSummary = loose({
  code: str,
  name: str,
  geo_region: str,
  requires_paid_plan: bool,
  deprecated: bool,
  mpg_available: bool,
});

/** `{<key>: [...], next_cursor?}`: the lists our shaping answers. */
export const listOf = (key: string, item: z.ZodObject) => z.looseObject({ [key]: z.array(item), ...cursor });

/** A bare JSON array from Fly, answered as `{items: [...]}` in text and structure alike. */
export const itemsOutput = z.object({ items: z.array(z.looseObject({})) });

export const tokenOutput = z.object({ token: str });

export const execOutput = z.looseObject({
  exit_code: int.optional(),
  exit_signal: int.optional(),
  stdout: str.optional(),
  stderr: str.optional(),
  // Set when a stream was truncated, and when the command exited non-zero.
  note: str.optional(),
  failed: str.optional(),
});

export const leaseOutput = loose({ nonce: str, expires_at: int, owner: str, description: str, version: str });
