import { z } from "zod";

// Identifiers go into URL paths, so each admits only characters Fly uses and nothing that can
// change the path (`/`, `.`, `%`, whitespace).
export const appName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "app names are lowercase letters, digits and dashes (e.g. my-app)")
  .describe("Fly app name");

export const orgSlug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "org slugs are lowercase letters, digits and dashes (e.g. personal)")
  .describe("Organization slug, e.g. personal");

export const machineId = z
  .string()
  .regex(/^[a-zA-Z0-9]{1,64}$/, "machine ids are letters and digits only (e.g. 3d8d413b29d089)")
  .describe("Machine id (from machines_list)");

export const volumeId = z
  .string()
  .regex(/^vol_[a-zA-Z0-9]{1,64}$/, "volume ids look like vol_2n0l3vl60qpv635d")
  .describe("Volume id (vol_...)");

export const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "secret names are letters, digits and underscores, not starting with a digit")
  .describe("Secret name, e.g. DATABASE_URL");

export const region = z
  .string()
  .regex(/^[a-z]{3}$/, "regions are three-letter codes such as iad, lhr, syd")
  .describe("Region code, e.g. iad");

export const leaseNonce = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, "a lease nonce is the value leases_acquire returned")
  .optional()
  .describe("Nonce of a lease you hold on this machine (from leases_acquire); needed while it is leased");

export const full = z.boolean().optional().describe("Return every field instead of the short summary");

export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ns|us|µs|ms|s|m|h)$/, 'a duration is a number with a unit, e.g. "10s" or "500ms"');

export const stopSignal = z.enum(["SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM"]);

export const anySignal = z.enum([
  "SIGABRT",
  "SIGALRM",
  "SIGFPE",
  "SIGHUP",
  "SIGILL",
  "SIGINT",
  "SIGKILL",
  "SIGPIPE",
  "SIGQUIT",
  "SIGSEGV",
  "SIGTERM",
  "SIGTRAP",
  "SIGUSR1",
  "SIGUSR2",
]);

export const limit = (max: number) =>
  z.number().int().min(1).max(max).optional().describe(`Page size (1-${max}); omit for everything`);

export const cursor = z.string().max(512).optional().describe("Cursor from the previous page's next_cursor");

// Null values let a merge update remove a key.
const stringMap = z.record(z.string(), z.string().nullable());

/**
 * Fly's MachineConfig. Top-level keys are checked (a typo fails here, not at Fly); nested objects
 * follow Fly's schema and are passed through as given.
 */
export const machineConfig = z
  .strictObject({
    image: z.string().min(1).optional().describe("Container image, e.g. registry-1.docker.io/library/nginx:latest"),
    guest: z
      .strictObject({
        cpu_kind: z.enum(["shared", "performance"]).optional(),
        cpus: z.number().int().min(1).optional(),
        memory_mb: z.number().int().min(128).optional(),
        gpu_kind: z.string().optional(),
        gpus: z.number().int().optional(),
        kernel_args: z.array(z.string()).optional(),
        max_memory_mb: z.number().int().optional(),
        host_dedication_id: z.string().optional(),
        persist_rootfs: z.enum(["never", "always", "restart"]).optional(),
        required_host_features: z.array(z.string()).optional(),
      })
      .optional()
      .describe("CPU kind, cpus and memory_mb"),
    env: stringMap.optional().describe("Environment variables"),
    services: z.array(z.looseObject({})).optional().describe("Fly proxy services: ports, protocol, internal_port, autostop"),
    checks: z.record(z.string(), z.looseObject({})).optional().describe("Health checks by name"),
    mounts: z.array(z.looseObject({})).optional().describe("Volume mounts: [{volume, path}]; one per machine"),
    restart: z.looseObject({}).optional().describe("{policy: no|always|on-failure, max_retries}"),
    auto_destroy: z.boolean().optional(),
    metadata: stringMap.optional(),
    processes: z.array(z.looseObject({})).optional(),
    files: z.array(z.looseObject({})).optional().describe("Files to write: [{guest_path, raw_value (base64) | secret_name}]"),
    init: z.looseObject({}).optional().describe("{cmd, entrypoint, exec, tty}"),
    stop_config: z.looseObject({}).optional(),
    schedule: z.enum(["hourly", "daily", "weekly", "monthly"]).optional(),
    dns: z.looseObject({}).optional(),
    metrics: z.looseObject({}).optional(),
    statics: z.array(z.looseObject({})).optional(),
    rootfs: z.looseObject({}).optional(),
    cache_drive: z.looseObject({}).optional(),
    containers: z.array(z.looseObject({})).optional(),
    standbys: z.array(z.string()).optional(),
    spot: z.looseObject({}).optional(),
    disable_machine_autostart: z.boolean().optional(),
    size: z.string().optional(),
  })
  .describe("Machine config (Fly's MachineConfig)");
