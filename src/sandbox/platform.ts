import { readBody, t } from "./decode.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import { DEFAULT_REGION } from "./machines.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";

interface Region {
  code: string;
  name: string;
  geo: "af" | "ap" | "eu" | "na" | "oc" | "sa";
  lat: number;
  lon: number;
  /** Managed Postgres runs here. */
  mpg: boolean;
  /** Memory the org may use here, in GB: bounds what placements can fit. */
  capacityGb: number;
}

/** The sandbox's regions (the same codes machines and volumes accept). */
export const REGION_TABLE: readonly Region[] = [
  {
    code: "ams",
    name: "Amsterdam, Netherlands",
    geo: "eu",
    lat: 52.37,
    lon: 4.9,
    mpg: true,
    capacityGb: 512,
  },
  { code: "arn", name: "Stockholm, Sweden", geo: "eu", lat: 59.65, lon: 17.93, mpg: false, capacityGb: 128 },
  { code: "bom", name: "Mumbai, India", geo: "ap", lat: 19.09, lon: 72.87, mpg: false, capacityGb: 128 },
  { code: "cdg", name: "Paris, France", geo: "eu", lat: 48.86, lon: 2.35, mpg: true, capacityGb: 256 },
  { code: "dfw", name: "Dallas, Texas (US)", geo: "na", lat: 32.78, lon: -96.8, mpg: true, capacityGb: 512 },
  { code: "ewr", name: "Secaucus, NJ (US)", geo: "na", lat: 40.79, lon: -74.06, mpg: true, capacityGb: 512 },
  { code: "fra", name: "Frankfurt, Germany", geo: "eu", lat: 50.11, lon: 8.68, mpg: true, capacityGb: 512 },
  { code: "gru", name: "Sao Paulo, Brazil", geo: "sa", lat: -23.55, lon: -46.63, mpg: true, capacityGb: 256 },
  {
    code: "iad",
    name: "Ashburn, Virginia (US)",
    geo: "na",
    lat: 39.03,
    lon: -77.49,
    mpg: true,
    capacityGb: 1024,
  },
  {
    code: "jnb",
    name: "Johannesburg, South Africa",
    geo: "af",
    lat: -26.2,
    lon: 28.05,
    mpg: false,
    capacityGb: 64,
  },
  {
    code: "lax",
    name: "Los Angeles, California (US)",
    geo: "na",
    lat: 34.05,
    lon: -118.24,
    mpg: true,
    capacityGb: 512,
  },
  {
    code: "lhr",
    name: "London, United Kingdom",
    geo: "eu",
    lat: 51.51,
    lon: -0.13,
    mpg: true,
    capacityGb: 512,
  },
  { code: "nrt", name: "Tokyo, Japan", geo: "ap", lat: 35.62, lon: 139.78, mpg: true, capacityGb: 256 },
  {
    code: "ord",
    name: "Chicago, Illinois (US)",
    geo: "na",
    lat: 41.88,
    lon: -87.63,
    mpg: true,
    capacityGb: 512,
  },
  {
    code: "sin",
    name: "Singapore, Singapore",
    geo: "ap",
    lat: 1.35,
    lon: 103.82,
    mpg: true,
    capacityGb: 256,
  },
  {
    code: "sjc",
    name: "San Jose, California (US)",
    geo: "na",
    lat: 37.35,
    lon: -121.96,
    mpg: true,
    capacityGb: 512,
  },
  { code: "syd", name: "Sydney, Australia", geo: "oc", lat: -33.87, lon: 151.21, mpg: true, capacityGb: 256 },
  { code: "yyz", name: "Toronto, Canada", geo: "na", lat: 43.65, lon: -79.38, mpg: true, capacityGb: 256 },
];

export const regionInfo = (code: string): Region | undefined => REGION_TABLE.find((r) => r.code === code);

const placementsSpec = t.object("main.getPlacementsRequest", {
  compute: t.object("fly.MachineGuest", {
    cpu_kind: t.string,
    cpus: t.int,
    memory_mb: t.int,
    gpus: t.int,
    gpu_kind: t.string,
  }),
  count: t.int,
  org_slug: t.string,
  region: t.string,
  volume_name: t.string,
  volume_size_bytes: t.int,
  weights: t.map(t.int),
});

interface PlacementsBody {
  compute?: { cpu_kind?: string; cpus?: number; memory_mb?: number };
  count?: number;
  org_slug?: string;
  region?: string;
}

/** A region expression such as "lhr,eu" or "any": codes and area aliases, in order, without repeats. */
function expand(expression: string): Region[] {
  const out: Region[] = [];
  for (const part of expression
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)) {
    const matches =
      part === "any"
        ? [...REGION_TABLE].sort((a, b) => b.capacityGb - a.capacityGb)
        : part === "nearest"
          ? [regionInfo(DEFAULT_REGION)!]
          : REGION_TABLE.filter((r) => r.code === part || r.geo === part);
    if (!matches.length)
      throw badRequest(
        `invalid region ${JSON.stringify(part)}: not a region code or alias (eu, na, sa, ap, af, oc, any)`,
      );
    for (const r of matches) if (!out.includes(r)) out.push(r);
  }
  return out;
}

export function registerPlatform(router: SandboxRouter, deps: Deps): void {
  router.get("/v1/platform/regions", guard(deps, "platform_regions", { public: true }), (c) =>
    c.json({
      // Fly's casing (fly-go reads `json:"Regions"`), not the spec's lowercase.
      Nearest: DEFAULT_REGION,
      Regions: REGION_TABLE.map((r) => ({
        code: r.code,
        name: r.name,
        geo_region: r.geo,
        latitude: r.lat,
        longitude: r.lon,
        gateway_available: r.capacityGb >= 128,
        requires_paid_plan: false,
        deprecated: false,
        mpg_available: r.mpg,
      })),
    }),
  );

  router.post(
    "/v1/platform/placements",
    guard(deps, "platform_placements", { readScope: true }),
    async (c) => {
      const body = await readBody<PlacementsBody>(c, placementsSpec);
      if (!body.org_slug) throw badRequest("org_slug is required");
      if (!deps.store.orgs.has(body.org_slug))
        throw notFound(`Could not find Organization "${body.org_slug}"`);
      if (c.get("token").orgSlug !== body.org_slug)
        throw new ApiError(403, `unauthorized: token is for org "${c.get("token").orgSlug}"`);
      const count = body.count ?? 0;
      if (count < 0) throw badRequest(`invalid count ${count}: must be 0 or more`);
      // Fly's default guest here is performance-1x: 1 CPU, 2 GB.
      const kind = body.compute?.cpu_kind ?? "performance";
      const cpus = body.compute?.cpus ?? 1;
      const memoryMb = body.compute?.memory_mb ?? (kind === "performance" ? 2048 : 256) * cpus;
      if (memoryMb < 128) throw badRequest(`invalid compute.memory_mb ${memoryMb}: at least 128`);
      const regions = expand(body.region || `${DEFAULT_REGION},any`);
      const limitOf = (r: Region) => Math.min(1000, Math.floor((r.capacityGb * 1024) / memoryMb));
      if (count === 0) {
        return c.json({
          regions: regions.map((r) => ({ region: r.code, count: limitOf(r), concurrency: limitOf(r) })),
        });
      }
      // Fill the preferred region first, then spill over in order; what does not fit is left out.
      let left = count;
      const placed: Array<Record<string, unknown>> = [];
      for (const r of regions) {
        if (!left) break;
        const n = Math.min(left, limitOf(r));
        if (n > 0) placed.push({ region: r.code, count: n, concurrency: Math.min(n, 20) });
        left -= n;
      }
      return c.json({ regions: placed });
    },
  );
}
