import { createHash } from "node:crypto";
import { ApiError, notFound } from "./errors.js";
import { DEFAULT_USER, type PgCluster, pgGuard, requireCluster, unprocessable } from "./postgres-state.js";
import type { Deps, SandboxContext, SandboxRouter } from "./router.js";

const MAX_RANGE = 604_800;

/** Query shapes an app typically runs; the counters below are made up but stable per cluster. */
const PATTERNS = [
  "SELECT * FROM users WHERE id = $1",
  "SELECT id, title, created_at FROM posts WHERE author_id = $1 ORDER BY created_at DESC LIMIT $2",
  "UPDATE sessions SET last_seen_at = now() WHERE token = $1",
  "INSERT INTO events (kind, payload, created_at) VALUES ($1, $2, now())",
  "SELECT count(*) FROM orders WHERE status = $1 AND created_at > $2",
];

/** A number in [0, 1) fixed by the text, so repeated calls agree. */
const unit = (text: string): number => createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;

/** Metrics come from the running cluster; without it the spec answers 500 "Unable to load ...". */
function running(deps: Deps, c: SandboxContext, what: string): PgCluster {
  const cluster = requireCluster(deps, c);
  if (cluster.status !== "ready")
    throw new ApiError(500, `Unable to load ${what}: the cluster is ${cluster.status}`);
  return cluster;
}

const appUser = (cluster: PgCluster): string =>
  cluster.users.has(DEFAULT_USER) ? DEFAULT_USER : ([...cluster.users.keys()][0] ?? "postgres");

export function registerPostgresQueries(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/postgres/:postgres_cluster_id/queries";

  router.get(`${base}/active`, pgGuard(deps, "postgres_queries_active"), (c) => {
    const database = c.req.query("database") ?? "";
    if (!database.trim()) throw unprocessable("database must be a non-empty string");
    const cluster = running(deps, c, "active queries");
    if (!cluster.databases.has(database)) throw notFound(`Database not found: ${database}`);
    // pg-admin's own look at pg_stat_activity is always running; each attached app holds a connection.
    const admin = {
      pid: 4000 + Math.floor(unit(cluster.id) * 1000),
      database,
      user: "fly-admin",
      application_name: "pg-admin",
      client: "fdaa:0:1::3",
      state: "active",
      query:
        "SELECT pid, datname, usename, application_name, state, query FROM pg_stat_activity WHERE datname = $1",
      duration_seconds: 0.002,
      state_duration_seconds: 0.002,
      wait_event_type: "",
      wait_event: "",
    };
    const apps = [...cluster.attachments.keys()].sort().map((app, i) => ({
      pid: admin.pid + 1 + i,
      database,
      user: appUser(cluster),
      application_name: app,
      client: `fdaa:0:${(i + 2).toString(16)}::2`,
      state: "idle",
      query: "COMMIT",
      duration_seconds: Number((unit(`${cluster.id}:${app}`) * 5).toFixed(3)),
      state_duration_seconds: Number((unit(`${app}:${cluster.id}`) * 30).toFixed(3)),
      wait_event_type: "Client",
      wait_event: "ClientRead",
    }));
    return c.json({ data: [admin, ...apps] });
  });

  router.get(`${base}/slow`, pgGuard(deps, "postgres_queries_slow"), (c) => {
    const raw = c.req.query("range");
    if (raw !== undefined && (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_RANGE)) {
      throw unprocessable(`range must be an integer between 1 and ${MAX_RANGE} seconds`);
    }
    const cluster = running(deps, c, "slow query metrics");
    // Cumulative counters grow with the cluster's age; the postgres database is left out.
    const ageS = Math.max(1, (Date.now() - Date.parse(cluster.readyAt ?? cluster.createdAt)) / 1000);
    const rows = [...cluster.databases.keys()].flatMap((database) =>
      PATTERNS.map((query, i) => {
        const seed = `${cluster.id}:${database}:${i}`;
        const calls = 1 + Math.floor(ageS * (0.5 + unit(seed) * 4));
        const mean = 0.0005 + unit(`${seed}:mean`) * 0.05;
        return {
          query_id: String(Math.floor(unit(`${seed}:id`) * 2 ** 53)),
          query,
          database,
          user: appUser(cluster),
          calls,
          mean_exec_time_seconds: Number(mean.toFixed(6)),
          max_exec_time_seconds: Number((mean * (3 + unit(`${seed}:max`) * 20)).toFixed(6)),
          total_exec_time_seconds: Number((mean * calls).toFixed(6)),
        };
      }),
    );
    rows.sort((a, b) => b.total_exec_time_seconds - a.total_exec_time_seconds);
    return c.json({ data: rows.slice(0, 20) });
  });
}
