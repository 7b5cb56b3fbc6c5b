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
// Fields every volume shape shares; the list summary adds its app, the single read allows a null attachment.
const volumeFields = {
  id: str,
  name: str,
  state: str,
  region: str,
  zone: str,
  size_gb: int,
  encrypted: bool,
  created_at: str,
};
export const volumeSummary = loose({ ...volumeFields, attached_machine_id: str, app_name: str });
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

/*
 * Single objects: top-level fields of the answer in Fly's spec, with their types (the largest keep
 * the fields an agent acts on). Nested objects and arrays are typed as such and no deeper, which
 * keeps each schema to a few dozen tokens. Fields Fly's Go structs send as null (pointers without
 * omitempty) are nullable.
 */
const obj = z.looseObject({});
const arr = z.array(z.unknown());
const version = { version: int, Version: int };

/** Fly's `Machine`: the fields an agent acts on (its other fields arrive too). */
export const machineOutput = loose({
  id: str,
  name: str,
  state: str,
  region: str,
  instance_id: str,
  private_ip: str,
  // Set when the machine was created with a lease: the nonce later calls must send.
  nonce: str,
  config: obj,
  image_ref: obj,
  events: arr,
  created_at: str,
  updated_at: str,
});

/** Fly's `App`. */
export const appOutput = loose({
  id: str,
  name: str,
  status: str,
  machine_count: int,
  volume_count: int,
  network: str,
  organization: obj,
});

/** Fly's `Volume`: the fields an agent acts on. */
export const volumeOutput = loose({ ...volumeFields, attached_machine_id: str.nullable() });

export const extendVolumeOutput = loose({ needs_restart: bool, volume: obj });

/** Fly's `WaitMachineResponse`, or our answer when the wait timed out (408). */
export const waitOutput = loose({ ok: bool, state: str, version: str, reached: bool, state_wanted: str });

const secretSummary = loose({ name: str, digest: str, created_at: str, updated_at: str });
export const secretsOutput = z.looseObject({ secrets: z.array(secretSummary) });
/** One secret; `value` only where Fly sends it and the policy reveals it. */
export const secretOutput = loose({ name: str, digest: str, value: str, created_at: str, updated_at: str });
/** A secret just set: the same, with the app's new secrets version. */
export const setSecretOutput = secretOutput.extend(loose(version).shape);
export const secretsUpdateOutput = loose({ secrets: arr, ...version });
export const versionOutput = loose(version);

/** Fly's `CertificateDetail` (and its check and custom-removal variants). */
export const certificateOutput = loose({
  hostname: str,
  status: str,
  configured: bool,
  acme_requested: bool,
  dns_provider: str,
  certificates: arr,
  dns_requirements: obj,
  validation: obj,
  validation_errors: arr,
});
/** Removing a custom certificate may warn, e.g. that the hostname is left without one. */
export const customRemovalOutput = certificateOutput.extend({ warning: str.optional() });

const ipSummary = loose({
  ip: str,
  region: str,
  service_name: str,
  shared: bool,
  egress: bool,
  created_at: str,
});
export const ipsOutput = z.looseObject({ ips: z.array(ipSummary) });
export const ipOutput = loose({ ip: str.nullable(), ip_pair: obj, region: str, shared: bool, egress: bool });

export const metadataOutput = z.record(str, str);
export const metadataValueOutput = loose({ value: str });
export const memoryOutput = loose({ available_mb: int, limit_mb: int });
export const reclaimOutput = loose({ actual_mb: int });

// Go's `[]byte`: encoding/json sends base64 text; Fly's spec says an array of integers. Either passes.
const bytes = z.union([str, z.array(int)]);
/** Fly's `SecretKey`: the public key only for key types that have one. */
export const secretKeyOutput = loose({
  name: str,
  type: str,
  public_key: bytes,
  created_at: str,
  updated_at: str,
});
/** A key just generated or set: the same, with the app's new secrets version. */
export const setSecretKeyOutput = secretKeyOutput.extend(loose(version).shape);
export const secretKeysOutput = z.looseObject({ secret_keys: z.array(secretKeyOutput) });
export const ciphertextOutput = loose({ ciphertext: bytes });
export const plaintextOutput = loose({ plaintext: bytes });
export const signatureOutput = loose({ signature: bytes });

export const placementsOutput = z.looseObject({
  regions: z.array(loose({ region: str, count: int, concurrency: int })),
});
export const currentTokenOutput = z.looseObject({ tokens: arr });
export const authorizeOutput = loose({ access: obj, verified_token: obj });

/** Managed Postgres answers one object or one list under `data`. */
export const dataObjectOutput = z.looseObject({ data: obj });
export const dataListOutput = z.looseObject({ data: arr });
