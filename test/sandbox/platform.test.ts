import { describe, expect, it } from "vitest";
import { REGIONS } from "../../src/sandbox/schemas.js";
import { call, type Json, quickSandbox } from "./helpers.js";

describe("sandbox platform", () => {
  it("lists regions without a token, with the nearest one", async () => {
    const res = await call(quickSandbox(), "GET", "/platform/regions", { token: null });
    expect(res.status).toBe(200);
    // Capitalised, as Fly answers (fly-go flaps_platform.go reads `json:"Regions"`).
    expect(res.body.Nearest).toBe("iad");
    expect(res.body.Regions.map((r: Json) => r.code)).toEqual([...REGIONS]);
    expect(res.body.Regions.find((r: Json) => r.code === "lhr")).toMatchObject({
      name: "London, United Kingdom",
      geo_region: "eu",
      mpg_available: true,
      requires_paid_plan: false,
    });
  });

  it("simulates placements: preferred region first, then spill-over", async () => {
    const sb = quickSandbox();
    const place = (body: Json) =>
      call(sb, "POST", "/platform/placements", { body: { org_slug: "personal", ...body } });
    expect((await place({ region: "lhr,eu", count: 3 })).body.regions).toEqual([
      { region: "lhr", count: 3, concurrency: 3 },
    ]);
    const big = { cpu_kind: "performance", cpus: 16, memory_mb: 131072 };
    const spread = (await place({ region: "jnb,lhr", count: 3, compute: big })).body.regions;
    expect(spread.map((r: Json) => r.region)).toEqual(["lhr"]);
    expect((await place({ region: "jnb", count: 0, compute: big })).body.regions).toEqual([
      { region: "jnb", count: 0, concurrency: 0 },
    ]);
    const limits = (await place({ region: "eu" })).body.regions;
    expect(limits.length).toBeGreaterThan(3);
    expect(limits.every((r: Json) => r.count > 0)).toBe(true);
  });

  it("validates the org and the region expression", async () => {
    const sb = quickSandbox();
    expect((await call(sb, "POST", "/platform/placements", { body: { count: 1 } })).status).toBe(400);
    expect((await call(sb, "POST", "/platform/placements", { body: { org_slug: "nobody" } })).status).toBe(
      404,
    );
    expect(
      (await call(sb, "POST", "/platform/placements", { body: { org_slug: "personal", region: "mars" } }))
        .status,
    ).toBe(400);
    expect(
      (await call(sb, "POST", "/platform/placements", { body: { org_slug: "personal" }, token: null }))
        .status,
    ).toBe(401);
  });
});
