import { readBody, t } from "./decode.js";
import { badRequest, notFound } from "./errors.js";
import { type PgCluster, pgGuard, requireCluster } from "./postgres-state.js";
import type { Deps, SandboxRouter } from "./router.js";

const attachSpec = t.object("createPostgresAttachmentRequest", { app_name: t.string });

const attachmentView = (cluster: PgCluster, app: string) => ({
  data: { app_name: app, postgres_cluster_id: cluster.id, attached_at: cluster.attachments.get(app) },
});

export function registerPostgresAttachments(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/postgres/:postgres_cluster_id/attachments";
  /** Only apps of the cluster's own org can attach. */
  const appIn = (cluster: PgCluster, name: string) => {
    const app = deps.store.app(name);
    if (!app || app.orgSlug !== cluster.orgSlug) throw notFound("App not found");
    return app;
  };

  // Records the link only: DATABASE_URL stays the caller's job, as on Fly.
  router.post(base, pgGuard(deps, "postgres_attachments_create"), async (c) => {
    const cluster = requireCluster(deps, c);
    const body = await readBody<{ app_name?: string }>(c, attachSpec);
    if (!body.app_name) throw badRequest("app_name is required");
    const app = appIn(cluster, body.app_name);
    if (cluster.attachments.has(app.name)) return c.json(attachmentView(cluster, app.name), 200);
    cluster.attachments.set(app.name, new Date().toISOString());
    return c.json(attachmentView(cluster, app.name), 201);
  });

  router.delete(`${base}/:app_name`, pgGuard(deps, "postgres_attachments_delete"), (c) => {
    const cluster = requireCluster(deps, c);
    const app = appIn(cluster, c.req.param("app_name"));
    if (!cluster.attachments.delete(app.name)) throw notFound("Attachment not found");
    return c.body(null, 204);
  });
}
