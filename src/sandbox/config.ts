import { isGoDuration } from "./decode.js";
import { badRequest, conflict, notFound } from "./errors.js";
import { type MachineConfig, REGIONS, STOP_SIGNALS } from "./schemas.js";
import type { AppRecord, VolumeRecord } from "./state.js";

const CPU_COUNTS = [1, 2, 4, 6, 8, 16];
const MEMORY_PER_CPU: Record<string, [number, number]> = { shared: [256, 2048], performance: [2048, 8192] };

function checkGuest(guest: MachineConfig["guest"]): void {
  if (!guest) return;
  const kind = guest.cpu_kind ?? "shared";
  const range = MEMORY_PER_CPU[kind];
  if (!range)
    throw badRequest(`invalid config.guest.cpu_kind ${JSON.stringify(kind)}: must be shared or performance`);
  const cpus = guest.cpus ?? 1;
  if (!CPU_COUNTS.includes(cpus)) {
    throw badRequest(`invalid config.guest.cpus ${cpus}: must be one of ${CPU_COUNTS.join(", ")}`);
  }
  const memory = guest.memory_mb;
  if (memory === undefined) return;
  if (memory % 256 !== 0)
    throw badRequest(`invalid config.guest.memory_mb ${memory}: must be a multiple of 256`);
  const [min, max] = range.map((mb) => mb * cpus) as [number, number];
  if (memory < min || memory > max) {
    throw badRequest(
      `invalid config.guest.memory_mb ${memory}: ${cpus} ${kind} CPU(s) take between ${min} and ${max} MB`,
    );
  }
}

function checkDuration(value: string | undefined, field: string): void {
  if (value !== undefined && !isGoDuration(value)) {
    throw badRequest(`invalid ${field} ${JSON.stringify(value)}: expected a duration such as "10s"`);
  }
}

/** The semantic checks Fly makes on a machine config after it decoded. */
export function checkConfig(config: MachineConfig | undefined): MachineConfig {
  if (!config) throw badRequest("config is required");
  if (!config.image?.trim()) throw badRequest("invalid config.image: an image is required");
  checkGuest(config.guest);
  const policy = config.restart?.policy;
  if (policy !== undefined && !["", "no", "always", "on-failure"].includes(policy)) {
    throw badRequest(
      `invalid config.restart.policy ${JSON.stringify(policy)}: must be no, always or on-failure`,
    );
  }
  if (
    config.schedule !== undefined &&
    !["", "hourly", "daily", "weekly", "monthly"].includes(config.schedule)
  ) {
    throw badRequest(
      `invalid config.schedule ${JSON.stringify(config.schedule)}: must be hourly, daily, weekly or monthly`,
    );
  }
  const stop = config.stop_config;
  if (stop?.signal !== undefined && !(STOP_SIGNALS as readonly string[]).includes(stop.signal)) {
    throw badRequest(`invalid config.stop_config.signal ${JSON.stringify(stop.signal)}`);
  }
  checkDuration(stop?.timeout, "config.stop_config.timeout");
  for (const [name, check] of Object.entries(config.checks ?? {})) {
    for (const field of ["interval", "timeout", "grace_period"]) {
      checkDuration(check[field] as string | undefined, `config.checks.${name}.${field}`);
    }
    if (check.type !== undefined && !["tcp", "http"].includes(check.type as string)) {
      throw badRequest(
        `invalid config.checks.${name}.type ${JSON.stringify(check.type)}: must be tcp or http`,
      );
    }
  }
  for (const [i, service] of (config.services ?? []).entries()) {
    if (service.protocol !== undefined && !["tcp", "udp"].includes(service.protocol)) {
      throw badRequest(`invalid config.services[${i}].protocol ${JSON.stringify(service.protocol)}`);
    }
    const port = service.internal_port;
    if (port !== undefined && (port < 1 || port > 65535)) {
      throw badRequest(`invalid config.services[${i}].internal_port ${port}`);
    }
  }
  for (const [i, file] of (config.files ?? []).entries()) {
    if (!file.guest_path?.startsWith("/"))
      throw badRequest(`config.files[${i}].guest_path must be an absolute path`);
  }
  const mounts = config.mounts ?? [];
  if (mounts.length > 1)
    throw badRequest("a machine can only mount one volume; config.mounts has more than one entry");
  for (const [i, mount] of mounts.entries()) {
    if (!mount.volume) throw badRequest(`config.mounts[${i}].volume is required`);
    if (!mount.path?.startsWith("/")) throw badRequest(`config.mounts[${i}].path must be an absolute path`);
  }
  return config;
}

export function checkRegion(region: string): void {
  if (!(REGIONS as readonly string[]).includes(region)) {
    throw badRequest(
      `invalid region ${JSON.stringify(region)}: not a Fly region code (for example iad, ams, lhr)`,
    );
  }
}

/**
 * The volume a config mounts, checked for the machine: it must exist in the app, sit in the machine's
 * region, and not be attached to another machine. A machine without a region follows its volume.
 */
export function mountedVolume(
  app: AppRecord,
  config: MachineConfig,
  region: string | undefined,
  machineId: string | undefined,
): VolumeRecord | undefined {
  const volumeId = config.mounts?.[0]?.volume;
  if (!volumeId) return undefined;
  const volume = app.volumes.get(volumeId);
  if (!volume) throw notFound(`volume ${volumeId} not found in app ${app.name}`);
  if (region && volume.region !== region) {
    throw badRequest(
      `volume ${volumeId} is in region ${volume.region}, the machine is in ${region}: a volume can only be mounted in its own region`,
    );
  }
  if (volume.attachedMachineId && volume.attachedMachineId !== machineId) {
    throw conflict(`volume ${volumeId} is already attached to machine ${volume.attachedMachineId}`);
  }
  return volume;
}

/** Points volumes at the machine that mounts them now, releasing the one it mounted before. */
export function attachVolume(app: AppRecord, machineId: string, volume: VolumeRecord | undefined): void {
  for (const v of app.volumes.values()) {
    if (v.attachedMachineId === machineId && v !== volume) v.attachedMachineId = null;
  }
  if (volume) volume.attachedMachineId = machineId;
}
