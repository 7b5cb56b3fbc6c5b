import { isRfc3339, queryBool, queryInt } from "./decode.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import { paginate } from "./paging.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import type { AppRecord, MachineRecord, VolumeRecord } from "./state.js";
import { effectiveConfig, volumeView } from "./views.js";

interface Filters {
  apps: AppRecord[];
  includeDeleted: boolean;
  summary: boolean;
  region?: string;
  states: string[];
  updatedAfter?: number;
  limit: number;
  cursor?: string;
}

/** The org's apps this token may see (an app-scoped token sees its own) and the shared list filters. */
function filters(deps: Deps, c: SandboxContext): Filters {
  const slug = c.req.param("org_slug") ?? "";
  if (!deps.store.orgs.has(slug)) throw notFound(`Could not find Organization "${slug}"`);
  const token = c.get("token");
  if (token.orgSlug !== slug) throw new ApiError(403, `unauthorized: token is for org "${token.orgSlug}"`);
  const raw = c.req.query("updated_after");
  if (raw && !isRfc3339(raw)) {
    throw badRequest(
      `invalid value for query parameter updated_after: ${JSON.stringify(raw)} is not an RFC 3339 time`,
    );
  }
  return {
    apps: [...deps.store.apps.values()].filter(
      (a) => a.orgSlug === slug && (!token.app || a.name === token.app),
    ),
    includeDeleted: queryBool(c, "include_deleted") ?? false,
    summary: queryBool(c, "summary") ?? false,
    region: c.req.query("region") || undefined,
    states: (c.req.query("state") ?? "").split(",").filter(Boolean),
    updatedAfter: raw ? Date.parse(raw) : undefined,
    // Without a limit Fly uses its maximum, so there may still be a next page.
    limit: queryInt(c, "limit", 1, 1000) ?? 1000,
    cursor: c.req.query("cursor") || undefined,
  };
}

/** Sorted oldest change first, as Fly documents; the cursor (when given) wins over updated_after. */
function page<T>(f: Filters, items: T[], updatedAt: (item: T) => string, id: (item: T) => string) {
  const recent =
    f.cursor || f.updatedAfter === undefined
      ? items
      : items.filter((i) => Date.parse(updatedAt(i)) > f.updatedAfter!);
  const result = paginate(recent, (i) => `${updatedAt(i)}|${id(i)}`, f.limit, f.cursor);
  const last = result.page[result.page.length - 1];
  return { ...result, last, lastUpdatedAt: last ? updatedAt(last) : undefined };
}

function orgMachine(m: MachineRecord, summary: boolean): Record<string, unknown> {
  const config = effectiveConfig(m.config);
  return {
    id: m.id,
    name: m.name,
    app_name: m.appName,
    state: m.state,
    region: m.region,
    private_ip: m.privateIp,
    version: m.version,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    ...(summary
      ? {}
      : { config: { image: config.image, guest: config.guest, metadata: config.metadata ?? {} } }),
  };
}

const volumeUpdatedAt = (v: VolumeRecord): string => v.updatedAt ?? v.createdAt;

export function registerOrg(router: SandboxRouter, deps: Deps): void {
  router.get("/v1/orgs/:org_slug/machines", guard(deps, "org_machines_list", { orgWide: true }), (c) => {
    const f = filters(deps, c);
    const machines = f.apps
      .flatMap((a) => [...a.machines.values()])
      .filter(
        (m) =>
          (f.includeDeleted || m.state !== "destroyed") &&
          (!f.region || m.region === f.region) &&
          (!f.states.length || f.states.includes(m.state)),
      );
    const {
      page: items,
      next,
      last,
      lastUpdatedAt,
    } = page(
      f,
      machines,
      (m) => m.updatedAt,
      (m) => m.id,
    );
    return c.json({
      machines: items.map((m) => orgMachine(m, f.summary)),
      error_regions: [],
      ...(last ? { last_machine_id: last.id, last_updated_at: lastUpdatedAt } : {}),
      ...(next ? { next_cursor: next } : {}),
    });
  });

  router.get("/v1/orgs/:org_slug/volumes", guard(deps, "org_volumes_list", { orgWide: true }), (c) => {
    const f = filters(deps, c);
    // Destroyed volumes leave the sandbox's state, so include_deleted has nothing more to show.
    const volumes = f.apps
      .flatMap((a) => [...a.volumes.values()])
      .filter(
        (v) => (!f.region || v.region === f.region) && (!f.states.length || f.states.includes(v.state)),
      );
    const { page: items, next, last, lastUpdatedAt } = page(f, volumes, volumeUpdatedAt, (v) => v.id);
    return c.json({
      volumes: items.map((v) => ({
        ...volumeView(v, f.summary),
        app_name: v.appName,
        updated_at: volumeUpdatedAt(v),
      })),
      ...(last ? { last_volume_id: last.id, last_updated_at: lastUpdatedAt } : {}),
      ...(next ? { next_cursor: next } : {}),
    });
  });
}
