import { randomBytes } from "node:crypto";
import { isRfc3339, queryBool, readBody, t } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import { regionInfo } from "./platform.js";
import { startBackup } from "./postgres-backups.js";
import {
  CLUSTER_NAME,
  cloneContents,
  clusterView,
  DEFAULT_DATABASE,
  DEFAULT_USER,
  newDatabase,
  type PgCluster,
  type PgContents,
  PLANS,
  password,
  pgGuard,
  requireCluster,
  summaryView,
  unprocessable,
  visible,
} from "./postgres-state.js";
import type { Deps, SandboxContext, SandboxRouter } from "./router.js";
import { REGIONS } from "./schemas.js";

const createSpec = t.object("createPostgresClusterRequest", {
  disk_size_gb: t.int,
  name: t.string,
  // Checked by hand: a missing or non-string org_slug is a 400, every other bad attribute a 422.
  org_slug: t.any,
  pg_major_version: t.string,
  plan: t.string,
  pool_mode: t.string,
  postgis_enabled: t.bool,
  region: t.string,
});
const forkSpec = t.object("forkPostgresClusterRequest", { name: t.string });
const restoreSpec = t.object("restorePostgresClusterRequest", {
  backup_id: t.string,
  name: t.string,
  pitr_time: t.string,
});

interface CreateBody {
  disk_size_gb?: number;
  name?: string;
  org_slug?: unknown;
  pg_major_version?: string;
  plan?: string;
  pool_mode?: string;
  postgis_enabled?: boolean;
  region?: string;
}

type Settings = Pick<
  PgCluster,
  "orgSlug" | "plan" | "region" | "diskSizeGb" | "pgMajorVersion" | "poolMode" | "postgisEnabled"
>;

/** Decode errors in Postgres bodies are "invalid attributes": 422, as the spec documents. */
async function readAttributes<T>(
  c: SandboxContext,
  spec: Parameters<typeof readBody>[1],
  optional = false,
): Promise<T> {
  try {
    return await readBody<T>(c, spec, optional);
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) throw unprocessable(error.message);
    throw error;
  }
}

const clusterId = (): string => randomBytes(10).toString("hex").slice(0, 16);

function checkName(deps: Deps, orgSlug: string, name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw unprocessable(
      `invalid name ${JSON.stringify(name)}: letters, digits, - and _, up to 63, starting with a letter or digit`,
    );
  }
  const taken = [...deps.store.postgres.values()].some(
    (p) => p.orgSlug === orgSlug && p.name === name && p.status !== "deleted",
  );
  if (taken) throw unprocessable(`name ${JSON.stringify(name)} has already been taken in ${orgSlug}`);
}

/** Adds a cluster in `creating` and provisions it: initializing, then ready with a first full backup. */
function launch(deps: Deps, name: string, settings: Settings, contents: PgContents): PgCluster {
  checkName(deps, settings.orgSlug, name);
  const cluster: PgCluster = {
    id: clusterId(),
    name,
    ...settings,
    ...contents,
    status: "creating",
    createdAt: new Date().toISOString(),
    attachments: new Map(),
    backups: [],
  };
  deps.store.postgres.set(cluster.id, cluster);
  deps.delays.chain([
    () => {
      if (cluster.status === "creating") cluster.status = "initializing";
    },
    () => {
      if (cluster.status !== "initializing") return;
      cluster.status = "ready";
      cluster.readyAt = new Date().toISOString();
      startBackup(deps, cluster, "full");
    },
  ]);
  return cluster;
}

function freshContents(): PgContents {
  return {
    databases: new Map([[DEFAULT_DATABASE, newDatabase(DEFAULT_DATABASE)]]),
    users: new Map([[DEFAULT_USER, { username: DEFAULT_USER, role: "schema_admin", password: password() }]]),
  };
}

function settingsOf(deps: Deps, c: SandboxContext, body: CreateBody): Settings {
  if (typeof body.org_slug !== "string" || !body.org_slug)
    throw badRequest("org_slug is required and must be a string");
  if (!deps.store.orgs.has(body.org_slug) || c.get("token").orgSlug !== body.org_slug)
    throw notFound("Organization not found");
  if (!body.plan || !PLANS[body.plan.toLowerCase()]) {
    throw unprocessable(
      `invalid plan ${JSON.stringify(body.plan ?? "")}: one of basic, starter, launch, scale, Performance`,
    );
  }
  if (!body.region || !(REGIONS as readonly string[]).includes(body.region)) {
    throw unprocessable(`invalid region ${JSON.stringify(body.region ?? "")}: a Fly region code such as iad`);
  }
  if (!regionInfo(body.region)?.mpg)
    throw unprocessable(`Managed Postgres is not available in ${body.region}`);
  const disk = body.disk_size_gb ?? 10;
  if (disk < 10 || disk > 1000) throw unprocessable(`invalid disk_size_gb ${disk}: between 10 and 1000`);
  const version = body.pg_major_version ?? "17";
  if (!["16", "17"].includes(version))
    throw unprocessable(`invalid pg_major_version ${JSON.stringify(version)}: 16 or 17`);
  const poolMode = body.pool_mode ?? "transaction";
  if (!["session", "transaction"].includes(poolMode)) {
    throw unprocessable(`invalid pool_mode ${JSON.stringify(poolMode)}: session or transaction`);
  }
  return {
    orgSlug: body.org_slug,
    plan: body.plan.toLowerCase(),
    region: body.region,
    diskSizeGb: disk,
    pgMajorVersion: version,
    poolMode,
    postgisEnabled: body.postgis_enabled ?? false,
  };
}

const generatedName = (): string => `pg-${randomBytes(3).toString("hex")}`;

/** A fork or restore inherits the source's settings. */
const inherit = (p: PgCluster): Settings => ({
  orgSlug: p.orgSlug,
  plan: p.plan,
  region: p.region,
  diskSizeGb: p.diskSizeGb,
  pgMajorVersion: p.pgMajorVersion,
  poolMode: p.poolMode,
  postgisEnabled: p.postgisEnabled,
});

export function registerPostgresClusters(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;
  const show = (cluster: PgCluster) => ({ data: clusterView(cluster, store.orgs.get(cluster.orgSlug)) });

  router.get("/v1/postgres", pgGuard(deps, "postgres_list"), (c) => {
    const slug = c.req.query("org_slug");
    if (!slug) throw badRequest("org_slug is required and must be a string");
    if (!store.orgs.has(slug)) throw notFound("Organization not found");
    let includeDeleted: boolean;
    try {
      includeDeleted = queryBool(c, "include_deleted") ?? false;
    } catch {
      throw unprocessable("include_deleted must be true or false");
    }
    const clusters = [...store.postgres.values()]
      .filter((p) => p.orgSlug === slug && visible(c, p) && (includeDeleted || p.status !== "deleted"))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return c.json({ data: clusters.map(summaryView) });
  });

  router.post("/v1/postgres", pgGuard(deps, "postgres_create"), async (c) => {
    const body = await readAttributes<CreateBody>(c, createSpec);
    const settings = settingsOf(deps, c, body);
    // The answer shows the cluster as it was created; it provisions afterwards.
    const cluster = launch(deps, body.name || generatedName(), settings, freshContents());
    return c.json(show({ ...cluster, status: "creating", readyAt: undefined }), 201);
  });

  router.get("/v1/postgres/:postgres_cluster_id", pgGuard(deps, "postgres_show"), (c) =>
    c.json(show(requireCluster(deps, c, { gone: true }))),
  );

  router.delete("/v1/postgres/:postgres_cluster_id", pgGuard(deps, "postgres_delete"), (c) => {
    const cluster = requireCluster(deps, c);
    cluster.status = "deleting";
    deps.delays.chain([
      () => {
        cluster.status = "deleted";
        cluster.deletedAt = new Date().toISOString();
        cluster.attachments.clear();
      },
    ]);
    return c.body(null, 202);
  });

  router.post("/v1/postgres/:postgres_cluster_id/fork", pgGuard(deps, "postgres_fork"), async (c) => {
    const source = requireCluster(deps, c);
    const body = await readAttributes<{ name?: string }>(c, forkSpec, true);
    if (source.status !== "ready")
      throw conflict(`The source cluster is not ready to be forked yet (it is ${source.status})`);
    const fork = launch(deps, body.name || `${source.name}-fork`, inherit(source), cloneContents(source));
    return c.json(show({ ...fork, status: "creating", readyAt: undefined }), 201);
  });

  router.post("/v1/postgres/:postgres_cluster_id/restore", pgGuard(deps, "postgres_restore"), async (c) => {
    const source = requireCluster(deps, c, { gone: true });
    const body = await readAttributes<{ backup_id?: string; pitr_time?: string; name?: string }>(
      c,
      restoreSpec,
    );
    if (!body.backup_id && !body.pitr_time)
      throw unprocessable("a restore target is required: backup_id or pitr_time");
    if (body.backup_id && body.pitr_time)
      throw unprocessable("backup_id and pitr_time are mutually exclusive");
    let contents: PgContents;
    let suffix: string;
    if (body.backup_id) {
      const backup = source.backups.find((b) => b.id === body.backup_id);
      if (!backup) throw notFound(`Backup ${body.backup_id} not found for cluster ${source.id}`);
      if (!backup.contents) throw unprocessable(`backup ${backup.id} has not completed yet`);
      contents = cloneContents(backup.contents);
      suffix = backup.id.toLowerCase().replace(/_/g, "-");
    } else {
      const time = body.pitr_time!;
      if (!isRfc3339(time))
        throw unprocessable(
          `invalid pitr_time ${JSON.stringify(time)}: RFC 3339 with an offset, e.g. 2026-01-02T03:04:05Z`,
        );
      const first = source.backups.find((b) => b.finishedAt);
      if (!first)
        throw unprocessable("point-in-time restore is unavailable: the cluster has no completed backup yet");
      // The window runs from the first backup to now (to the deletion for a deleted cluster).
      const start = Math.floor(Date.parse(first.finishedAt!) / 1000) * 1000;
      const end = source.deletedAt ? Date.parse(source.deletedAt) : Date.now();
      const at = Date.parse(time);
      if (at < start || at > end) {
        throw unprocessable(
          `pitr_time ${time} is outside the recovery window (${new Date(start).toISOString()} to ${new Date(end).toISOString()})`,
        );
      }
      // The sandbox keeps no history between backups: a point in time restores today's contents.
      contents = cloneContents(source);
      suffix = `pitr-${new Date(at).toISOString().replace(/\D/g, "").slice(0, 14)}`;
    }
    const restored = launch(
      deps,
      body.name?.trim() || `${source.name}-${suffix}`.slice(0, 63),
      inherit(source),
      contents,
    );
    return c.json(show({ ...restored, status: "creating", readyAt: undefined }), 201);
  });
}
