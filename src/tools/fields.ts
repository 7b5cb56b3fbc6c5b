import { z } from "zod";

/**
 * A string checked against a pattern on the server. The pattern is kept out of the published JSON
 * Schema: it would cost context on every turn, and a wrong value still gets a message naming the fix.
 */
export const matching = (pattern: RegExp, fix: string) => z.string().refine((v) => pattern.test(v), fix);

// Identifiers go into URL paths, so each admits only characters Fly uses and nothing that can
// change the path (`/`, `.`, `%`, whitespace).
export const appName = matching(
  /^[a-z0-9][a-z0-9-]{0,62}$/,
  "app names are lowercase letters, digits and dashes (e.g. my-app)",
).describe("Fly app name");

export const orgSlug = matching(
  /^[a-z0-9][a-z0-9-]{0,62}$/,
  "org slugs are lowercase letters, digits and dashes (e.g. personal)",
).describe("Organization slug, e.g. personal");

export const machineId = matching(
  /^[a-zA-Z0-9]{1,64}$/,
  "machine ids are letters and digits only (e.g. 3d8d413b29d089)",
).describe("Machine id (from machines_list)");

export const volumeId = matching(
  /^vol_[a-zA-Z0-9]{1,64}$/,
  "volume ids look like vol_2n0l3vl60qpv635d",
).describe("Volume id (vol_...)");

export const secretName = matching(
  /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
  "secret names are letters, digits and underscores, not starting with a digit",
).describe("Secret name, e.g. DATABASE_URL");

export const region = matching(/^[a-z]{3}$/, "regions are three-letter codes such as iad, lhr, syd").describe(
  "Region code, e.g. iad",
);

export const hostname = matching(
  /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}$/,
  "a hostname is a DNS name such as www.example.com (or *.example.com)",
).describe("Hostname, e.g. www.example.com");

// IPv4 dotted quad or IPv6 (colons); never a slash, percent (zone id) or `..`.
export const ipAddress = matching(
  /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7})$/,
  "an IP address is IPv4 (1.2.3.4) or IPv6 (2a09:8280:1::1)",
).describe("IP address, from ips_list");

export const postgresClusterId = matching(
  /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  "cluster ids are letters, digits, - and _ (from postgres_clusters_list)",
).describe("Postgres cluster id");

export const databaseName = matching(
  /^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/,
  "database names are letters, digits, - and _, starting and ending with a letter or digit",
).describe("Database name");

export const pgUsername = matching(
  /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/,
  "usernames are lowercase letters, digits, - and _, starting and ending with a letter or digit",
).describe("Postgres username");

export const extensionName = matching(
  /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
  "extension names are letters, digits, - and _ (e.g. citext, uuid-ossp)",
).describe("Extension name, e.g. citext");

/** Machine metadata keys; dots are allowed, `..` is not. */
export const metadataKey = matching(
  /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
  "metadata keys are letters, digits, _ . - (e.g. fly_process_group)",
).describe("Metadata key");

/**
 * Raw bytes for the secret-key endpoints. Fly's server is Go, where `[]byte` travels as base64 text
 * (what encrypt and sign answer); it also decodes a JSON array of 0-255 integers (the spec's form).
 */
export const bytes = z.union([
  z
    .string()
    .max(87384)
    .refine(
      (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
      "bytes are base64 text (as secretkeys_encrypt returns them) or an array of 0-255 integers",
    ),
  z.array(z.number().int().min(0).max(255)).max(65536),
]);

export const nonce = matching(/^[A-Za-z0-9_-]{1,128}$/, "a lease nonce is the value leases_acquire returned");

export const leaseNonce = nonce.optional().describe("Nonce of your lease, if the machine is leased");

export const versionId = matching(
  /^[A-Za-z0-9]{1,64}$/,
  "a version id is letters and digits (from machines_versions)",
);

export const full = z.boolean().optional().describe("Return every field instead of the short summary");

export const duration = matching(
  /^\d+(\.\d+)?(ns|us|µs|ms|s|m|h)$/,
  'a duration is a number with a unit, e.g. "10s" or "500ms"',
);

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

/** Top-level keys of Fly's fly.MachineConfig. */
export const MACHINE_CONFIG_KEYS = [
  "image",
  "guest",
  "env",
  "services",
  "checks",
  "mounts",
  "restart",
  "auto_destroy",
  "metadata",
  "processes",
  "files",
  "init",
  "stop_config",
  "schedule",
  "dns",
  "metrics",
  "statics",
  "rootfs",
  "cache_drive",
  "containers",
  "standbys",
  "spot",
  "disable_machine_autostart",
  "size",
] as const;

const knownKeys = new Set<string>(MACHINE_CONFIG_KEYS);

/**
 * Fly's MachineConfig. The few keys agents set most are typed; the rest pass through as Fly defines
 * them, but an unknown top-level key (a typo) fails here rather than at Fly.
 */
const configSchema = (image: z.ZodType) =>
  z
    .object({
      image,
      guest: z
        .looseObject({
          cpu_kind: z.enum(["shared", "performance"]).optional(),
          cpus: z.number().int().min(1).optional(),
          memory_mb: z.number().int().min(128).optional(),
        })
        .optional()
        .describe("{cpu_kind, cpus, memory_mb}"),
      env: stringMap.optional().describe("Environment variables"),
    })
    .catchall(z.unknown())
    .superRefine((config, ctx) => {
      for (const key of Object.keys(config)) {
        if (!knownKeys.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `unknown config key "${key}"; Fly's keys are ${MACHINE_CONFIG_KEYS.join(", ")}`,
          });
        }
      }
    })
    .describe(
      "Fly MachineConfig. Also: services [{protocol, internal_port, ports:[{port, handlers}], autostop, autostart}], checks, mounts [{volume, path}], restart {policy}, metadata, files, init {cmd}, processes, auto_destroy, schedule, stop_config",
    );

export const machineConfig = configSchema(z.string().min(1).optional().describe("Container image"));

/** For create, where Fly needs an image. */
export const newMachineConfig = configSchema(
  z.string().min(1).describe("Container image, e.g. nginx:latest"),
);
