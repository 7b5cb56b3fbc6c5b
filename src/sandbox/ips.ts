import { randomBytes, randomInt } from "node:crypto";
import { checkRegion } from "./config.js";
import { readBody, t } from "./decode.js";
import { badRequest, notFound } from "./errors.js";
import { requireApp } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import type { AppRecord, Store } from "./state.js";

export const IP_TYPES = [
  "v4",
  "v6",
  "shared_v4",
  "private_v6",
  "egress_v4",
  "egress_v6",
  "egress_pair",
] as const;
type IpType = (typeof IP_TYPES)[number];

export interface IpRecord {
  ip: string;
  /** What was asked for; an egress pair is stored as its two halves. */
  type: Exclude<IpType, "egress_pair">;
  region: string;
  serviceName: string;
  network: { name: string; org_slug: string } | null;
  createdAt: string;
}

const assignSpec = t.object("assignIPRequest", {
  network: t.string,
  org_slug: t.string,
  region: t.string,
  service_name: t.string,
  type: t.string,
});

interface AssignBody {
  network?: string;
  org_slug?: string;
  region?: string;
  service_name?: string;
  type?: string;
}

const hex4 = (): string =>
  randomBytes(2)
    .toString("hex")
    .replace(/^0+(?=.)/, "");

/** Every address held by any app: dedicated and egress addresses are unique across Fly. */
function taken(store: Store): Set<string> {
  const all = new Set<string>();
  for (const app of store.apps.values()) for (const ip of app.ips.keys()) all.add(ip);
  return all;
}

function fresh(store: Store, make: () => string): string {
  const used = taken(store);
  for (;;) {
    const ip = make();
    if (!used.has(ip)) return ip;
  }
}

const netHex = (n: number): string => (n % 0xffff).toString(16);

function address(store: Store, app: AppRecord, type: IpRecord["type"], network: string): string {
  switch (type) {
    case "v4":
      return fresh(store, () => `137.66.${randomInt(0, 256)}.${randomInt(1, 255)}`);
    // Shared addresses are the point of shared_v4: many apps answer on the same one.
    case "shared_v4":
      return `66.241.124.${(app.internalNumericId % 253) + 1}`;
    case "v6":
      return fresh(store, () => `2a09:8280:1::${hex4()}:${hex4()}`);
    case "private_v6": {
      // Flycast addresses live in the app's 6PN network (or the named custom network).
      const net = network
        ? netHex([...network].reduce((n, ch) => n * 31 + ch.charCodeAt(0), 7))
        : netHex(app.internalNumericId);
      return fresh(store, () => `fdaa:0:${net}:0:1::${hex4()}`);
    }
    case "egress_v4":
      return fresh(store, () => `209.71.${randomInt(0, 256)}.${randomInt(1, 255)}`);
    case "egress_v6":
      return fresh(store, () => `2605:4c40:${hex4()}::${hex4()}`);
  }
}

export function ipView(r: IpRecord): Record<string, unknown> {
  return {
    ip: r.ip,
    region: r.region,
    service_name: r.serviceName,
    shared: r.type === "shared_v4",
    egress: r.type.startsWith("egress"),
    network: r.network,
    created_at: r.createdAt,
  };
}

/** Public addresses a hostname's DNS should point at (certificates list them as requirements). */
export function publicAddresses(app: AppRecord): { a: string[]; aaaa: string[] } {
  const ips = [...app.ips.values()];
  const dedicated = ips.filter((r) => r.type === "v4").map((r) => r.ip);
  const shared = ips.filter((r) => r.type === "shared_v4").map((r) => r.ip);
  return {
    a: dedicated.length ? dedicated : shared,
    aaaa: ips.filter((r) => r.type === "v6").map((r) => r.ip),
  };
}

export function registerIps(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;
  const base = "/v1/apps/:app_name/ip_assignments";

  router.get(base, guard(deps, "ips_list"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    return c.json({ ips: [...app.ips.values()].map(ipView) });
  });

  router.post(base, guard(deps, "ips_assign"), async (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const body = await readBody<AssignBody>(c, assignSpec);
    if (!body.type) throw badRequest(`type is required: one of ${IP_TYPES.join(", ")}`);
    if (!(IP_TYPES as readonly string[]).includes(body.type)) {
      throw badRequest(`invalid type ${JSON.stringify(body.type)}: expected one of ${IP_TYPES.join(", ")}`);
    }
    const type = body.type as IpType;
    const egress = type.startsWith("egress");
    if (egress && !body.region) throw badRequest("region is required for egress addresses");
    if (body.region) checkRegion(body.region);
    if (body.org_slug && !store.orgs.has(body.org_slug))
      throw notFound(`Could not find Organization "${body.org_slug}"`);
    if (type === "shared_v4") {
      // One shared address per app: asking again answers with the one it has.
      const existing = [...app.ips.values()].find((r) => r.type === "shared_v4");
      if (existing) return c.json(ipView(existing));
    }
    const make = (kind: IpRecord["type"]): IpRecord => {
      const record: IpRecord = {
        ip: address(store, app, kind, body.network ?? ""),
        type: kind,
        region: body.region ?? "global",
        serviceName: body.service_name ?? "",
        network:
          kind === "private_v6" ? { name: body.network ?? "", org_slug: body.org_slug ?? app.orgSlug } : null,
        createdAt: new Date().toISOString(),
      };
      app.ips.set(record.ip, record);
      return record;
    };
    if (type === "egress_pair") {
      const v4 = make("egress_v4");
      const v6 = make("egress_v6");
      return c.json({ ...ipView(v4), ip: null, ip_pair: { v4: v4.ip, v6: v6.ip } });
    }
    return c.json(ipView(make(type)));
  });

  router.delete(`${base}/:ip`, guard(deps, "ips_release"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const wanted = c.req.param("ip").toLowerCase();
    const record = [...app.ips.values()].find((r) => r.ip === wanted);
    if (!record) throw notFound(`IP address ${c.req.param("ip")} is not assigned to app ${app.name}`);
    app.ips.delete(record.ip);
    return c.body(null, 204);
  });
}
