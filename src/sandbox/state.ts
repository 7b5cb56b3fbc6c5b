import type { CertificateRecord } from "./certificate-views.js";
import type { IpRecord } from "./ips.js";
import type { MemoryRecord } from "./memory.js";
import type { PgCluster } from "./postgres-state.js";
import type { MachineConfig } from "./schemas.js";
import type { SecretKeyRecord } from "./secretkeys.js";
import type { SnapshotRecord } from "./snapshots.js";

export const MACHINE_STATES = [
  "created",
  "starting",
  "started",
  "stopping",
  "stopped",
  "suspending",
  "suspended",
  "replacing",
  "destroying",
  "destroyed",
  "failed",
] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export interface OrgRecord {
  slug: string;
  name: string;
  internalNumericId: number;
}

export interface MachineEvent {
  id: string;
  type: string;
  status: string;
  source: "user" | "flyd";
  timestamp: number;
  request?: Record<string, unknown>;
}

export interface MachineVersionRecord {
  version: string;
  config: MachineConfig;
  createdAt: string;
}

export interface LeaseRecord {
  nonce: string;
  owner: string;
  description: string;
  /** Unix seconds. */
  expiresAt: number;
  version: string;
}

export interface MachineRecord {
  id: string;
  name: string;
  appName: string;
  region: string;
  state: MachineState;
  config: MachineConfig;
  version: string;
  versions: MachineVersionRecord[];
  /** Oldest first; views reverse it. */
  events: MachineEvent[];
  privateIp: string;
  createdAt: string;
  updatedAt: string;
  cordoned: boolean;
  lease?: LeaseRecord;
  /** Balloon state of the running VM; reset at each boot. */
  memory?: MemoryRecord;
  /** The app secrets this machine booted with (create or update); absent means the app's current ones. */
  secrets?: Map<string, SecretRecord>;
  /** Pending transition timer, cancelled when a new action takes over. */
  timer?: ReturnType<typeof setTimeout>;
}

export interface VolumeRecord {
  id: string;
  name: string;
  appName: string;
  region: string;
  zone: string;
  sizeGb: number;
  encrypted: boolean;
  fstype: string;
  state: string;
  attachedMachineId: string | null;
  autoBackupEnabled: boolean;
  snapshotRetention: number;
  createdAt: string;
  /** Set by updates and extends; org lists sort and filter on it. */
  updatedAt?: string;
}

export interface SecretRecord {
  value: string;
  digest: string;
  createdAt: string;
  updatedAt: string;
}

export interface SecretsSnapshot {
  version: number;
  visibleAt: number;
  secrets: Map<string, SecretRecord>;
}

export interface AppRecord {
  id: string;
  name: string;
  orgSlug: string;
  network: string;
  enableSubdomains: boolean;
  internalNumericId: number;
  createdAt: number;
  idempotencyKey?: string;
  machines: Map<string, MachineRecord>;
  volumes: Map<string, VolumeRecord>;
  secrets: Map<string, SecretRecord>;
  /** Shared by secrets and secret keys, as on Fly. */
  secretsVersion: number;
  /** Secrets as of each recent write and when machines start to see them (oldest first). */
  secretsLog?: SecretsSnapshot[];
  /** Until this time (ms) the app answers 404: a new app takes a moment to be seen everywhere. */
  readyAt?: number;
  certificates: Map<string, CertificateRecord>;
  /** Keyed by address. */
  ips: Map<string, IpRecord>;
  secretKeys: Map<string, SecretKeyRecord>;
  /** Kept per app so they outlive the volume for their retention, as on Fly. */
  snapshots: Map<string, SnapshotRecord>;
}

type Listener = (machine: MachineRecord) => void;

/** Everything the sandbox knows. Plain maps, so tests can read and arrange state directly. */
export class Store {
  readonly orgs = new Map<string, OrgRecord>();
  readonly apps = new Map<string, AppRecord>();
  /** Managed Postgres clusters by id; they belong to orgs, not apps. */
  readonly postgres = new Map<string, PgCluster>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private numericIds = 1000;
  private clearing = new AbortController();

  /** Aborted when the state is cleared, so blocked waits end with the state they watched. */
  get cleared(): AbortSignal {
    return this.clearing.signal;
  }

  nextNumericId(): number {
    return ++this.numericIds;
  }

  clear(): void {
    for (const app of this.apps.values()) {
      for (const m of app.machines.values()) if (m.timer) clearTimeout(m.timer);
    }
    this.apps.clear();
    this.orgs.clear();
    this.postgres.clear();
    this.numericIds = 1000;
    this.clearing.abort();
    this.clearing = new AbortController();
    const all = [...this.listeners.values()];
    this.listeners.clear();
    for (const set of all) set.clear();
  }

  app(name: string): AppRecord | undefined {
    return this.apps.get(name);
  }

  machine(appName: string, id: string): MachineRecord | undefined {
    return this.apps.get(appName)?.machines.get(id);
  }

  /** Called on every machine state change; wait requests listen here. */
  watch(machineId: string, listener: Listener): () => void {
    let set = this.listeners.get(machineId);
    if (!set) {
      set = new Set();
      this.listeners.set(machineId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  notify(machine: MachineRecord): void {
    for (const listener of [...(this.listeners.get(machine.id) ?? [])]) listener(machine);
  }
}
