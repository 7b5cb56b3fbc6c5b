import { randomBytes } from "node:crypto";
import { ApiError, badRequest, notFound } from "./errors.js";
import { type Deps, type GuardOptions, guard, type SandboxContext } from "./router.js";
import type { OrgRecord } from "./state.js";

export type PgStatus = "creating" | "initializing" | "ready" | "deleting" | "deleted" | "failed";
export const PG_ROLES = ["schema_admin", "writer", "reader"] as const;
export type PgRole = (typeof PG_ROLES)[number];

export interface PgDatabase {
  name: string;
  schemas: Set<string>;
  extensions: Map<string, { schema: string; version: string }>;
}

export interface PgUser {
  username: string;
  role: PgRole;
  password: string;
}

/** What a backup or a fork carries over: the databases and roles. */
export interface PgContents {
  databases: Map<string, PgDatabase>;
  users: Map<string, PgUser>;
}

export interface PgBackup {
  id: string;
  type: "full" | "incr" | "diff";
  status: "running" | "completed";
  startedAt: string;
  finishedAt?: string;
  sizeBytes: number;
  contents?: PgContents;
}

export interface PgCluster extends PgContents {
  id: string;
  name: string;
  orgSlug: string;
  plan: string;
  region: string;
  diskSizeGb: number;
  pgMajorVersion: string;
  poolMode: string;
  postgisEnabled: boolean;
  status: PgStatus;
  createdAt: string;
  readyAt?: string;
  deletedAt?: string;
  /** App name -> when it was attached. */
  attachments: Map<string, string>;
  /** Newest last. */
  backups: PgBackup[];
}

interface Plan {
  slug: string;
  cpuKind: "shared" | "performance";
  cpus: number;
  memoryMb: number;
  /** Nodes in the cluster: the primary plus standbys on the HA plans. */
  nodes: number;
}

/** Fly's Managed Postgres plans; the API matches the slug case-insensitively. */
export const PLANS: Record<string, Plan> = {
  basic: { slug: "basic", cpuKind: "shared", cpus: 2, memoryMb: 1024, nodes: 1 },
  starter: { slug: "starter", cpuKind: "shared", cpus: 2, memoryMb: 2048, nodes: 1 },
  launch: { slug: "launch", cpuKind: "performance", cpus: 2, memoryMb: 8192, nodes: 2 },
  scale: { slug: "scale", cpuKind: "performance", cpus: 4, memoryMb: 32768, nodes: 2 },
  performance: { slug: "Performance", cpuKind: "performance", cpus: 8, memoryMb: 65536, nodes: 2 },
};

/** Created with every cluster, as `fly mpg create` does: the app connects as fly-user to fly-db. */
export const DEFAULT_DATABASE = "fly-db";
export const DEFAULT_USER = "fly-user";
export const SYSTEM_DATABASES = new Set(["postgres", "template0", "template1"]);
export const isSystemUser = (name: string): boolean =>
  ["postgres", "pgbouncer", "repmgr", "fly-admin"].includes(name) || name.startsWith("pg_");
/** Installed in every database, and cannot be dropped. */
export const SYSTEM_EXTENSIONS = {
  plpgsql: { schema: "pg_catalog", version: "1.0" },
  pg_stat_statements: { schema: "public", version: "1.11" },
};

export const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const GB = 1024 ** 3;

export const unprocessable = (message: string): ApiError => new ApiError(422, message);
export const password = (): string => randomBytes(18).toString("base64url");

export function newDatabase(name: string): PgDatabase {
  return { name, schemas: new Set(["public"]), extensions: new Map(Object.entries(SYSTEM_EXTENSIONS)) };
}

export function cloneContents(from: PgContents): PgContents {
  const databases = new Map<string, PgDatabase>();
  for (const db of from.databases.values()) {
    databases.set(db.name, {
      name: db.name,
      schemas: new Set(db.schemas),
      extensions: new Map(db.extensions),
    });
  }
  const users = new Map<string, PgUser>();
  for (const u of from.users.values()) users.set(u.username, { ...u });
  return { databases, users };
}

/** Every Postgres route: org-level, so app-scoped tokens cannot write; rate-limited per cluster. */
export const pgGuard = (deps: Deps, action: string, opts: GuardOptions = {}) =>
  guard(deps, action, { orgWide: true, key: (c) => c.req.param("postgres_cluster_id") ?? "org", ...opts });

/** Clusters an app-scoped token may see: those attached to its app. */
export function visible(c: SandboxContext, cluster: PgCluster): boolean {
  const token = c.get("token");
  return cluster.orgSlug === token.orgSlug && (!token.app || cluster.attachments.has(token.app));
}

/** The cluster in the path; a deleted or deleting one answers 410 unless `gone` is allowed. */
export function requireCluster(deps: Deps, c: SandboxContext, opts: { gone?: boolean } = {}): PgCluster {
  const cluster = deps.store.postgres.get(c.req.param("postgres_cluster_id") ?? "");
  if (!cluster || !visible(c, cluster)) throw notFound("Cluster not found");
  if (!opts.gone && cluster.status === "deleted") throw new ApiError(410, "This cluster has been deleted");
  if (!opts.gone && cluster.status === "deleting") throw new ApiError(410, "This cluster is being deleted");
  return cluster;
}

/** Databases, users and extensions go through pg-admin, which only answers once the cluster is ready. */
export function requireAdmin(deps: Deps, c: SandboxContext): PgCluster {
  const cluster = requireCluster(deps, c);
  if (cluster.status !== "ready") {
    throw new ApiError(503, `pg-admin is unavailable: the cluster is ${cluster.status}`, undefined, {
      "retry-after": "5",
    });
  }
  return cluster;
}

export function requireDatabase(cluster: PgCluster, name: string): PgDatabase {
  if (SYSTEM_DATABASES.has(name)) throw badRequest(`Database name is reserved: ${name} is a system database`);
  const db = cluster.databases.get(name);
  if (!db) throw notFound("Database not found");
  return db;
}

export function clusterView(cluster: PgCluster, org: OrgRecord | undefined): Record<string, unknown> {
  const plan = PLANS[cluster.plan.toLowerCase()]!;
  const ready = cluster.status === "ready";
  const host = (kind: string) => ({ host: `${kind}.${cluster.id}.flympg.net`, port: 5432 });
  return {
    id: cluster.id,
    name: cluster.name,
    status: cluster.status,
    plan: plan.slug,
    region: cluster.region,
    organization: { name: org?.name ?? cluster.orgSlug, slug: cluster.orgSlug },
    pg_major_version: cluster.pgMajorVersion,
    postgis_enabled: cluster.postgisEnabled,
    cpu_kind: plan.cpuKind,
    cpus: plan.cpus,
    memory_mb: plan.memoryMb,
    disk_size_gb: cluster.diskSizeGb,
    replicas: plan.nodes,
    attached_apps: [...cluster.attachments.keys()].sort().map((name) => ({ name })),
    ...(ready ? { endpoints: { primary: { direct: host("direct"), pooler: host("pgbouncer") } } } : {}),
    // Measured hourly on Fly: null until the first measurement, which the sandbox takes at ready.
    storage_provisioned_bytes: cluster.readyAt ? cluster.diskSizeGb * GB * plan.nodes : null,
    storage_used_bytes: cluster.readyAt ? (40 + 8 * cluster.databases.size) * 1024 ** 2 * plan.nodes : null,
    created_at: cluster.createdAt,
  };
}

export function summaryView(cluster: PgCluster): Record<string, unknown> {
  return {
    id: cluster.id,
    name: cluster.name,
    status: cluster.status,
    plan: PLANS[cluster.plan.toLowerCase()]!.slug,
    region: cluster.region,
    attached_apps: [...cluster.attachments.keys()].sort().map((name) => ({ name })),
    created_at: cluster.createdAt,
    ...(cluster.deletedAt ? { deleted_at: cluster.deletedAt } : {}),
  };
}
