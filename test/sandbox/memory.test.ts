import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, quickSandbox, seeded } from "./helpers.js";

describe("sandbox machine memory (balloon)", () => {
  let sb: Sandbox;
  let base: string;
  beforeEach(() => {
    sb = quickSandbox();
    base = `/apps/demo-app/machines/${seeded(sb, "demo-web")}/memory`;
  });

  it("reports the guest memory as the limit, with part of it available", async () => {
    const mem = (await call(sb, "GET", base)).body;
    expect(mem.limit_mb).toBe(256);
    expect(mem.available_mb).toBeGreaterThan(0);
    expect(mem.available_mb).toBeLessThan(256);
  });

  it("sets a limit within the guest memory and reclaims no more than the cache", async () => {
    const set = await call(sb, "PUT", base, { body: { limit_mb: 192 } });
    expect(set.body.limit_mb).toBe(192);
    expect((await call(sb, "PUT", base, { body: { limit_mb: 512 } })).status).toBe(400);
    expect((await call(sb, "PUT", base, { body: { limit_mb: 10 } })).status).toBe(400);
    expect((await call(sb, "PUT", base, { body: {} })).status).toBe(400);
    const before = (await call(sb, "GET", base)).body.available_mb;
    const reclaimed = (await call(sb, "POST", `${base}/reclaim`, { body: { amount_mb: 10_000 } })).body
      .actual_mb;
    expect(reclaimed).toBeGreaterThan(0);
    expect(reclaimed).toBeLessThan(192);
    expect((await call(sb, "GET", base)).body.available_mb).toBe(before + reclaimed);
    expect((await call(sb, "POST", `${base}/reclaim`, { body: { amount_mb: 5 } })).body.actual_mb).toBe(0);
  });

  it("follows a bigger guest and starts over at each boot", async () => {
    const m = await createMachine(sb, {
      config: { image: "nginx", guest: { cpu_kind: "shared", cpus: 2, memory_mb: 1024 } },
    });
    const path = `/apps/demo-app/machines/${m.id}/memory`;
    expect((await call(sb, "GET", path)).body.limit_mb).toBe(1024);
    await call(sb, "PUT", path, { body: { limit_mb: 512 } });
    await call(sb, "POST", `/apps/demo-app/machines/${m.id}/restart`);
    expect((await call(sb, "GET", path)).body.limit_mb).toBe(1024);
  });

  it("answers 412 while the machine is not running", async () => {
    const stopped = `/apps/demo-app/machines/${seeded(sb, "demo-worker")}/memory`;
    const res = await call(sb, "GET", stopped);
    expect(res.status).toBe(412);
    expect(res.body.error).toContain("stopped");
  });
});
