import { readBody, t } from "./decode.js";
import { ApiError, badRequest, conflict } from "./errors.js";
import { cloneContents, type PgBackup, type PgCluster, pgGuard, requireCluster } from "./postgres-state.js";
import type { Deps, SandboxRouter } from "./router.js";

const TYPES = ["full", "incr", "diff"] as const;
const backupSpec = t.object("createPostgresBackupRequest", { type: t.string });

/** pgBackRest's timestamp, e.g. 20260102-030405. */
const stamp = (ms: number): string =>
  new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);

/**
 * pgBackRest labels: `<stamp>F` for a full backup, `<full>_<stamp>I|D` for incremental and differential
 * ones. Without a full backup to build on, pgBackRest takes a full one instead.
 */
function label(cluster: PgCluster, wanted: PgBackup["type"]): { id: string; type: PgBackup["type"] } {
  const lastFull = [...cluster.backups].reverse().find((b) => b.type === "full" && b.status === "completed");
  const type = lastFull ? wanted : "full";
  for (let ms = Date.now(); ; ms += 1000) {
    const id =
      type === "full" ? `${stamp(ms)}F` : `${lastFull!.id}_${stamp(ms)}${type === "incr" ? "I" : "D"}`;
    if (!cluster.backups.some((b) => b.id === id)) return { id, type };
  }
}

/** Starts a backup; it completes one transition later, holding the databases and users as they were then. */
export function startBackup(deps: Deps, cluster: PgCluster, wanted: PgBackup["type"]): PgBackup {
  const { id, type } = label(cluster, wanted);
  const backup: PgBackup = {
    id,
    type,
    status: "running",
    startedAt: new Date().toISOString(),
    sizeBytes: (type === "full" ? 24 + 8 * cluster.databases.size : 2) * 1024 ** 2,
  };
  cluster.backups.push(backup);
  deps.delays.chain([
    () => {
      backup.status = "completed";
      backup.finishedAt = new Date().toISOString();
      backup.contents = cloneContents(cluster);
    },
  ]);
  return backup;
}

export function backupView(b: PgBackup): Record<string, unknown> {
  return {
    id: b.id,
    type: b.type,
    status: b.status,
    size_bytes: b.sizeBytes,
    started_at: b.startedAt,
    ...(b.finishedAt ? { finished_at: b.finishedAt } : {}),
  };
}

export function registerPostgresBackups(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/postgres/:postgres_cluster_id/backups";

  router.get(base, pgGuard(deps, "postgres_backups_list"), (c) => {
    const cluster = requireCluster(deps, c, { gone: true });
    return c.json({ data: [...cluster.backups].reverse().map(backupView) });
  });

  router.post(base, pgGuard(deps, "postgres_backups_create"), async (c) => {
    const cluster = requireCluster(deps, c);
    const body = await readBody<{ type?: string }>(c, backupSpec);
    if (!body.type) throw badRequest(`type is required: one of ${TYPES.join(", ")}`);
    if (!(TYPES as readonly string[]).includes(body.type)) {
      throw badRequest(`invalid type ${JSON.stringify(body.type)}: expected one of ${TYPES.join(", ")}`);
    }
    if (cluster.status !== "ready")
      throw conflict(`the cluster is ${cluster.status}: back it up once it is ready`);
    const running = cluster.backups.find((b) => b.status === "running");
    if (running) throw new ApiError(409, `A backup is currently running (${running.id})`);
    startBackup(deps, cluster, body.type as PgBackup["type"]);
    return c.body(null, 202);
  });
}
