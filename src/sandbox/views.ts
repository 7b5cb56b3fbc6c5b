import { sha256Hex } from "./ids.js";
import type { MachineConfig } from "./schemas.js";
import type { AppRecord, MachineRecord, OrgRecord, VolumeRecord } from "./state.js";

/** Fields Fly fills in when the user leaves them out. */
export function effectiveConfig(config: MachineConfig): MachineConfig {
  return {
    ...config,
    guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256, ...config.guest },
    init: config.init ?? {},
    restart: config.restart ?? { policy: "" },
  };
}

function imageRef(image: string): Record<string, unknown> {
  let rest = image;
  let registry = "";
  const first = rest.split("/")[0] ?? "";
  if (rest.includes("/") && (first.includes(".") || first.includes(":"))) {
    registry = first;
    rest = rest.slice(first.length + 1);
  }
  const [repository = rest, tag = "latest"] = rest.split(":");
  return { registry, repository, tag, digest: `sha256:${sha256Hex(image)}`, labels: {} };
}

function checks(machine: MachineRecord): Array<Record<string, string>> {
  return Object.keys(machine.config.checks ?? {}).map((name) => ({
    name,
    status: machine.state === "started" ? "passing" : "warning",
    output: machine.state === "started" ? "Success" : "the machine is not running",
    updated_at: machine.updatedAt,
  }));
}

export interface MachineViewOptions {
  summary?: boolean;
  includeLease?: boolean;
  /** Show this earlier version's config instead of the current one. */
  version?: string;
}

export function machineView(m: MachineRecord, opts: MachineViewOptions = {}): Record<string, unknown> {
  const historic = opts.version ? m.versions.find((v) => v.version === opts.version) : undefined;
  const config = historic?.config ?? m.config;
  const version = historic?.version ?? m.version;
  const view: Record<string, unknown> = {
    id: m.id,
    name: m.name,
    state: historic && historic.version !== m.version ? "replaced" : m.state,
    region: m.region,
    instance_id: version,
    version,
    private_ip: m.privateIp,
    image_ref: imageRef(config.image ?? ""),
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    host_status: "ok",
    cordoned: m.cordoned,
  };
  if (!opts.summary) {
    view.config = effectiveConfig(config);
    view.incomplete_config = null;
    view.events = [...m.events].reverse().slice(0, 10);
    view.checks = checks(m);
  }
  if (opts.includeLease && m.lease && m.lease.expiresAt > Date.now() / 1000) {
    view.lease = { owner: m.lease.owner, description: m.lease.description, expires_at: m.lease.expiresAt };
  }
  return view;
}

/** Machines that stop an app from being deleted. */
export const ACTIVE_STATES = new Set([
  "starting",
  "started",
  "stopping",
  "replacing",
  "suspending",
  "suspended",
]);

export function appView(app: AppRecord, org: OrgRecord): Record<string, unknown> {
  const machines = [...app.machines.values()].filter((m) => m.state !== "destroyed");
  const status = machines.some((m) => m.state === "started")
    ? "deployed"
    : machines.length
      ? "suspended"
      : "pending";
  return {
    id: app.id,
    name: app.name,
    status,
    machine_count: machines.length,
    volume_count: app.volumes.size,
    network: app.network,
    network_cidr: `fdaa:0:${(app.internalNumericId % 0xffff).toString(16)}::/48`,
    organization: { name: org.name, slug: org.slug, internal_numeric_id: org.internalNumericId },
    internal_numeric_id: app.internalNumericId,
  };
}

export function volumeView(v: VolumeRecord, summary = false): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: v.id,
    name: v.name,
    state: v.state,
    size_gb: v.sizeGb,
    region: v.region,
    zone: v.zone,
    encrypted: v.encrypted,
    attached_machine_id: v.attachedMachineId,
    attached_alloc_id: v.attachedMachineId,
    created_at: v.createdAt,
    fstype: v.fstype,
    host_status: "ok",
    type: "local",
    auto_backup_enabled: v.autoBackupEnabled,
    snapshot_retention: v.snapshotRetention,
  };
  if (!summary) {
    const blocks = (v.sizeGb * 1024 ** 3) / 4096;
    Object.assign(view, {
      block_size: 4096,
      blocks,
      blocks_free: blocks - 2048,
      blocks_avail: blocks - 2048,
      bytes_total: v.sizeGb * 1024 ** 3,
      bytes_used: 2048 * 4096,
    });
  }
  return view;
}
