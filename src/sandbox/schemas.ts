import { t } from "./decode.js";

/** Field lists follow the official OpenAPI document (fly.MachineConfig and the request schemas). */

const strings = t.array(t.string);

const guest = t.object("fly.MachineGuest", {
  cpu_kind: t.string,
  cpus: t.int,
  gpu_kind: t.string,
  gpus: t.int,
  host_dedication_id: t.string,
  kernel_args: strings,
  max_memory_mb: t.int,
  memory_mb: t.int,
  persist_rootfs: t.string,
  required_host_features: strings,
});

const mount = t.object("fly.MachineMount", {
  add_size_gb: t.int,
  add_size_percent: t.int,
  encrypted: t.bool,
  extend_threshold_percent: t.int,
  min_add_size_gb: t.int,
  name: t.string,
  path: t.string,
  size_gb: t.int,
  size_gb_limit: t.int,
  volume: t.string,
});

const port = t.object("fly.MachinePort", {
  end_port: t.int,
  force_https: t.bool,
  handlers: strings,
  http_options: t.any,
  port: t.int,
  proxy_proto_options: t.any,
  start_port: t.int,
  tls_options: t.any,
});

const service = t.object("fly.MachineService", {
  autostart: t.bool,
  // Fly accepts booleans (off/stop) as well as the strings.
  autostop: t.any,
  checks: t.array(t.any),
  concurrency: t.object("fly.MachineServiceConcurrency", {
    hard_limit: t.int,
    soft_limit: t.int,
    type: t.string,
  }),
  force_instance_description: t.string,
  force_instance_key: t.string,
  internal_port: t.int,
  min_machines_running: t.int,
  ports: t.array(port),
  protocol: t.string,
});

const check = t.object("fly.MachineCheck", {
  grace_period: t.string,
  headers: t.array(t.any),
  interval: t.string,
  kind: t.string,
  method: t.string,
  path: t.string,
  port: t.int,
  protocol: t.string,
  timeout: t.string,
  tls_server_name: t.string,
  tls_skip_verify: t.bool,
  type: t.string,
});

const process = t.object("fly.MachineProcess", {
  cmd: strings,
  entrypoint: strings,
  env: t.map(t.string),
  env_from: t.array(t.any),
  exec: strings,
  ignore_app_secrets: t.bool,
  secrets: t.array(t.any),
  user: t.string,
});

const file = t.object("fly.File", {
  guest_path: t.string,
  image_config: t.string,
  mode: t.int,
  raw_value: t.string,
  secret_name: t.string,
});

const stopConfig = t.object("fly.StopConfig", { signal: t.string, timeout: t.string });

const container = t.object("fly.ContainerConfig", {
  cmd: strings,
  depends_on: t.array(t.any),
  entrypoint: strings,
  env: t.map(t.string),
  env_from: t.array(t.any),
  exec: strings,
  files: t.array(file),
  healthchecks: t.array(t.any),
  image: t.string,
  name: t.string,
  restart: t.any,
  secrets: t.array(t.any),
  stop: stopConfig,
  user: t.string,
});

export const machineConfigSpec = t.object("fly.MachineConfig", {
  auto_destroy: t.bool,
  cache_drive: t.object("fly.MachineCacheDrive", { size_mb: t.int }),
  checks: t.map(check),
  containers: t.array(container),
  disable_machine_autostart: t.bool,
  dns: t.any,
  env: t.map(t.string),
  files: t.array(file),
  guest,
  image: t.string,
  init: t.object("fly.MachineInit", {
    cmd: strings,
    entrypoint: strings,
    exec: strings,
    kernel_args: strings,
    swap_size_mb: t.int,
    tty: t.bool,
  }),
  metadata: t.map(t.string),
  metrics: t.object("fly.MachineMetrics", { https: t.bool, path: t.string, port: t.int }),
  mounts: t.array(mount),
  processes: t.array(process),
  restart: t.object("fly.MachineRestart", { max_retries: t.int, policy: t.string }),
  rootfs: t.object("fly.MachineRootfs", { persist: t.string, size_gb: t.int }),
  schedule: t.string,
  services: t.array(service),
  size: t.string,
  spot: t.object("fly.MachineSpot", { max_price_fraction: t.number }),
  standbys: strings,
  statics: t.array(t.any),
  stop_config: stopConfig,
});

export interface MachineMount {
  volume?: string;
  path?: string;
  name?: string;
  [key: string]: unknown;
}

export interface MachineConfig {
  image?: string;
  env?: Record<string, string>;
  guest?: { cpu_kind?: string; cpus?: number; memory_mb?: number; [key: string]: unknown };
  mounts?: MachineMount[];
  metadata?: Record<string, string>;
  services?: Array<{ internal_port?: number; protocol?: string; [key: string]: unknown }>;
  checks?: Record<string, Record<string, unknown>>;
  restart?: { policy?: string; max_retries?: number };
  init?: { cmd?: string[]; entrypoint?: string[]; exec?: string[]; [key: string]: unknown };
  files?: Array<{ guest_path?: string; raw_value?: string; secret_name?: string; [key: string]: unknown }>;
  containers?: Array<{ name?: string; env?: Record<string, string>; [key: string]: unknown }>;
  schedule?: string;
  size?: string;
  stop_config?: { signal?: string; timeout?: string };
  [key: string]: unknown;
}

const machineRequestFields = {
  config: machineConfigSpec,
  lease_ttl: t.int,
  min_secrets_version: t.int,
  name: t.string,
  region: t.string,
  skip_launch: t.bool,
  skip_secrets: t.bool,
  skip_service_registration: t.bool,
};

export const createMachineSpec = t.object("CreateMachineRequest", machineRequestFields);
export const updateMachineSpec = t.object("UpdateMachineRequest", {
  ...machineRequestFields,
  current_version: t.string,
});

export interface MachineRequest {
  config?: MachineConfig;
  lease_ttl?: number;
  min_secrets_version?: number;
  name?: string;
  region?: string;
  skip_launch?: boolean;
  current_version?: string;
}

export const createAppSpec = t.object("CreateAppRequest", {
  enable_subdomains: t.bool,
  idempotency_key: t.string,
  name: t.string,
  network: t.string,
  org_slug: t.string,
});

export const stopSpec = t.object("StopRequest", { signal: t.string, timeout: t.string });
export const signalSpec = t.object("SignalRequest", { signal: t.string });

export const execSpec = t.object("MachineExecRequest", {
  cmd: t.string,
  command: strings,
  container: t.string,
  machine: t.bool,
  stdin: t.string,
  timeout: t.int,
});

export const leaseSpec = t.object("CreateLeaseRequest", { description: t.string, ttl: t.int });

export const createVolumeSpec = t.object("CreateVolumeRequest", {
  auto_backup_enabled: t.bool,
  compute: guest,
  compute_image: t.string,
  encrypted: t.bool,
  fstype: t.string,
  name: t.string,
  region: t.string,
  require_unique_zone: t.bool,
  size_gb: t.int,
  snapshot_id: t.string,
  snapshot_retention: t.int,
  source_volume_id: t.string,
  unique_zone_app_wide: t.bool,
});

export const updateVolumeSpec = t.object("UpdateVolumeRequest", {
  auto_backup_enabled: t.bool,
  snapshot_retention: t.int,
});

export const extendVolumeSpec = t.object("ExtendVolumeRequest", { size_gb: t.int });

export const setSecretSpec = t.object("SetAppSecretRequest", { value: t.string });
export const updateSecretsSpec = t.object("AppSecretsUpdateRequest", { values: t.map(t.nullable(t.string)) });

export const oidcSpec = t.object("CreateOIDCTokenRequest", { aud: t.string, aws_principal_tags: t.bool });

export const authorizeSpec = t.object("authorizeTokenRequest", {
  header: t.string,
  access: t.object("main.TokenAccess", {
    // The spec says integer bits; Fly's macaroon library reads and writes letters ("r", "rw").
    action: t.any,
    app_feature: t.string,
    app_name: t.string,
    command: strings,
    machine_feature: t.string,
    machine_id: t.string,
    mutation: t.string,
    org_feature: t.string,
    org_slug: t.string,
    source_machine: t.string,
    storage_object: t.string,
    volume_id: t.string,
  }),
});

export const SIGNALS = [
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
] as const;

/** Stop and restart accept a narrower set than signal. */
export const STOP_SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGKILL",
  "SIGUSR1",
  "SIGUSR2",
  "SIGTERM",
] as const;

export const REGIONS = [
  "ams",
  "arn",
  "bom",
  "cdg",
  "dfw",
  "ewr",
  "fra",
  "gru",
  "iad",
  "jnb",
  "lax",
  "lhr",
  "nrt",
  "ord",
  "sin",
  "sjc",
  "syd",
  "yyz",
] as const;
