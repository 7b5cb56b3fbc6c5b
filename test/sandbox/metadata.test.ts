import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, quickSandbox, seeded } from "./helpers.js";

describe("sandbox machine metadata", () => {
  let sb: Sandbox;
  let base: string;
  beforeEach(() => {
    sb = quickSandbox();
    base = `/apps/demo-app/machines/${seeded(sb, "demo-web")}/metadata`;
  });

  it("reads the config metadata and merges PATCH updates; empty or null removes", async () => {
    expect((await call(sb, "GET", base)).body).toEqual({ role: "web" });
    const patched = await call(sb, "PATCH", base, { body: { metadata: { tier: "gold", "fly.group": "a" } } });
    expect(patched.status).toBe(204);
    expect((await call(sb, "GET", base)).body).toEqual({ role: "web", tier: "gold", "fly.group": "a" });
    await call(sb, "PATCH", base, { body: { metadata: { role: "", tier: null } } });
    expect((await call(sb, "GET", base)).body).toEqual({ "fly.group": "a" });
    const machine = (await call(sb, "GET", `/apps/demo-app/machines/${seeded(sb, "demo-web")}`)).body;
    expect(machine.config.metadata).toEqual({ "fly.group": "a" });
    expect(machine.state).toBe("started");
  });

  it("refuses a stale machine_version with 412 and wrong types with 400", async () => {
    const machine = sb.store.machine("demo-app", seeded(sb, "demo-web"))!;
    const ok = await call(sb, "PATCH", base, {
      body: { metadata: { a: "1" }, machine_version: machine.version },
    });
    expect(ok.status).toBe(204);
    const stale = await call(sb, "PATCH", base, {
      body: { metadata: { a: "2" }, machine_version: "01OLDVERSION" },
    });
    expect(stale.status).toBe(412);
    expect((await call(sb, "PATCH", base, { body: { metadata: { a: 2 } } })).status).toBe(400);
    expect((await call(sb, "GET", `${base}/a`)).body).toEqual({ value: "1" });
  });

  it("the deprecated PUT merges like PATCH", async () => {
    expect((await call(sb, "PUT", base, { body: { metadata: { extra: "x" } } })).status).toBe(204);
    expect((await call(sb, "GET", base)).body).toEqual({ role: "web", extra: "x" });
  });

  it("upserts, reads and deletes single keys", async () => {
    expect((await call(sb, "POST", `${base}/owner`, { body: { value: "team-a" } })).status).toBe(204);
    expect((await call(sb, "GET", `${base}/owner`)).body).toEqual({ value: "team-a" });
    expect((await call(sb, "POST", `${base}/owner`, { body: {} })).status).toBe(400);
    expect((await call(sb, "DELETE", `${base}/owner`)).status).toBe(204);
    expect((await call(sb, "GET", `${base}/owner`)).status).toBe(404);
    expect((await call(sb, "DELETE", `${base}/owner`)).status).toBe(404);
    expect(
      (await call(sb, "POST", `${base}/owner`, { token: "sandbox-readonly", body: { value: "x" } })).status,
    ).toBe(403);
  });
});
