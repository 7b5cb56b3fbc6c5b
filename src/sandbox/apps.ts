import { queryBool, queryInt, readBody } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import { appId } from "./ids.js";
import { requireApp } from "./lookup.js";
import { paginate } from "./paging.js";
import { RULES } from "./rate-limit.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import { createAppSpec } from "./schemas.js";
import type { AppRecord } from "./state.js";
import { ACTIVE_STATES, appView } from "./views.js";

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function newApp(deps: Deps, name: string, orgSlug: string, network = "default"): AppRecord {
  const app: AppRecord = {
    id: appId(),
    name,
    orgSlug,
    network,
    enableSubdomains: false,
    internalNumericId: deps.store.nextNumericId(),
    createdAt: Date.now(),
    machines: new Map(),
    volumes: new Map(),
    secrets: new Map(),
    secretsVersion: 0,
    certificates: new Map(),
    ips: new Map(),
    secretKeys: new Map(),
    snapshots: new Map(),
  };
  deps.store.apps.set(name, app);
  return app;
}

export function registerApps(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;

  router.get("/v1/apps", guard(deps, "apps_list", { orgWide: true }), (c) => {
    const orgSlug = c.req.query("org_slug");
    if (!orgSlug) throw badRequest("org_slug is required");
    const org = store.orgs.get(orgSlug);
    if (!org) throw notFound(`Could not find Organization "${orgSlug}"`);
    const limit = queryInt(c, "limit", 1, 5000);
    const token = c.get("token");
    const apps = [...store.apps.values()]
      .filter((a) => a.orgSlug === orgSlug && (!token.app || a.name === token.app))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, next } = paginate(apps, (a) => a.name, limit, c.req.query("cursor"));
    return c.json({
      total_apps: apps.length,
      apps: page.map((a) => appView(a, org)),
      ...(next ? { next_cursor: next } : {}),
    });
  });

  router.post("/v1/apps", guard(deps, "apps_create", { orgWide: true }), async (c) => {
    const body = await readBody<{
      name?: string;
      org_slug?: string;
      network?: string;
      enable_subdomains?: boolean;
      idempotency_key?: string;
    }>(c, createAppSpec);
    if (!body.name) throw badRequest("name is required");
    if (!body.org_slug) throw badRequest("org_slug is required");
    const org = store.orgs.get(body.org_slug);
    if (!org) throw notFound(`Could not find Organization "${body.org_slug}"`);
    const existing = store.app(body.name);
    if (existing && body.idempotency_key && existing.idempotencyKey === body.idempotency_key) {
      return c.json({ id: existing.id, created_at: existing.createdAt }, 201);
    }
    if (!APP_NAME.test(body.name)) {
      throw new ApiError(
        422,
        `invalid app name ${JSON.stringify(body.name)}: use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash`,
      );
    }
    // App names are global on Fly, across every organization.
    if (existing) throw new ApiError(422, `Name "${body.name}" has already been taken`, "name_taken");
    const app = newApp(deps, body.name, org.slug, body.network || "default");
    app.enableSubdomains = body.enable_subdomains ?? false;
    app.idempotencyKey = body.idempotency_key;
    // A new app takes a moment to be seen by every API node, even with ?wait=true (flyctl polls
    // GET /apps/{name} after creating one for that reason).
    if (deps.options.consistencyMs > 0) app.readyAt = Date.now() + deps.options.consistencyMs;
    return c.json({ id: app.id, created_at: app.createdAt }, 201);
  });

  router.get("/v1/apps/:app_name", guard(deps, "apps_show"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    return c.json(appView(app, store.orgs.get(app.orgSlug)!));
  });

  router.delete(
    "/v1/apps/:app_name",
    guard(deps, "apps_delete", { rule: RULES.deleteApp, key: () => "org" }),
    (c) => {
      const app = requireApp(store, c.req.param("app_name"));
      // Fly's docs: machines should be stopped first; `?force=true` stops and deletes them at once.
      const force = queryBool(c, "force") ?? false;
      const active = [...app.machines.values()].filter((m) => ACTIVE_STATES.has(m.state));
      if (active.length && !force) {
        const list = active.map((m) => `${m.id} (${m.state})`).join(", ");
        throw conflict(
          `app ${app.name} still has ${active.length} machine(s) that are not stopped: ${list}; stop or destroy them first, or pass force=true`,
        );
      }
      for (const m of app.machines.values()) deps.lifecycle.cancel(m);
      store.apps.delete(app.name);
      return c.body(null, 202);
    },
  );
}
