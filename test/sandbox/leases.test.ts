import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, IMAGE, quickSandbox, seeded } from "./helpers.js";

const NONCE = "fly-machine-lease-nonce";

describe("sandbox leases", () => {
  let sb: Sandbox;
  let web: string;
  let lease: string;
  beforeEach(() => {
    sb = quickSandbox();
    web = seeded(sb, "demo-web");
    lease = `/apps/demo-app/machines/${web}/lease`;
  });

  it("acquires with 201 in Fly's envelope and shows the lease", async () => {
    const res = await call(sb, "POST", lease, { body: { ttl: 60, description: "deploy" } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      status: "success",
      data: {
        nonce: expect.stringMatching(/^[0-9a-f]{12}$/),
        expires_at: expect.any(Number),
        owner: expect.any(String),
        description: "deploy",
        version: expect.any(String),
      },
    });
    expect(res.body.data.expires_at - Date.now() / 1000).toBeGreaterThan(55);
    const shown = await call(sb, "GET", lease);
    expect(shown.body.data.nonce).toBe(res.body.data.nonce);
  });

  it("refuses a second acquire with 409 naming the holder and expiry; the nonce refreshes", async () => {
    const first = (await call(sb, "POST", lease, { body: { ttl: 10 } })).body.data;
    const second = await call(sb, "POST", lease, { body: { ttl: 10 } });
    expect(second.status).toBe(409);
    expect(second.body.error).toContain(first.owner);
    expect(second.body.error).toMatch(/expires at \d{4}-\d\d-\d\d/);
    const refreshed = await call(sb, "POST", lease, {
      body: { ttl: 120 },
      headers: { [NONCE]: first.nonce },
    });
    expect(refreshed.status).toBe(201);
    expect(refreshed.body.data.nonce).toBe(first.nonce);
    expect(refreshed.body.data.expires_at).toBeGreaterThan(first.expires_at);
  });

  it("releases only with the right nonce header; then GET is 404", async () => {
    const { nonce } = (await call(sb, "POST", lease, { body: {} })).body.data;
    const missing = await call(sb, "DELETE", lease);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain(NONCE);
    const wrong = await call(sb, "DELETE", lease, { headers: { [NONCE]: "000000000000" } });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toContain("does not match");
    const released = await call(sb, "DELETE", lease, { headers: { [NONCE]: nonce } });
    expect(released.body).toEqual({ status: "success", data: { ok: true } });
    expect((await call(sb, "GET", lease)).status).toBe(404);
  });

  it("404s when no lease is held or it has expired", async () => {
    expect((await call(sb, "GET", lease)).status).toBe(404);
    await call(sb, "POST", lease, { body: { ttl: 5 } });
    sb.store.machine("demo-app", web)!.lease!.expiresAt = Math.floor(Date.now() / 1000) - 1;
    expect((await call(sb, "GET", lease)).status).toBe(404);
    expect((await call(sb, "POST", lease, { body: {} })).status).toBe(201);
  });

  it("refuses writes on a leased machine without the nonce and allows them with it", async () => {
    const { nonce, owner } = (await call(sb, "POST", lease, { body: { ttl: 60 } })).body.data;
    const base = `/apps/demo-app/machines/${web}`;
    for (const [method, path, body] of [
      ["POST", `${base}/stop`, undefined],
      ["POST", `${base}/restart`, undefined],
      ["POST", `${base}/suspend`, undefined],
      ["POST", `${base}/signal`, { signal: "SIGUSR1" }],
      ["POST", base, { config: { image: IMAGE } }],
      ["DELETE", `${base}?force=true`, undefined],
    ] as const) {
      const res = await call(sb, method, path, { body });
      expect(res.status, path).toBe(409);
      expect(res.body.error).toContain(owner);
    }
    expect((await call(sb, "POST", `${base}/stop`, { headers: { [NONCE]: "bad" } })).status).toBe(409);
    expect((await call(sb, "POST", `${base}/stop`, { headers: { [NONCE]: nonce } })).status).toBe(200);
    expect((await call(sb, "POST", `${base}/start`, { headers: { [NONCE]: nonce } })).status).toBe(200);
    // Exec is not gated by the lease, as Fly's client sends no nonce for it.
    expect((await call(sb, "POST", `${base}/exec`, { body: { command: ["true"] } })).status).toBe(200);
  });

  it("create with lease_ttl returns the nonce and leases the new machine", async () => {
    const m = await createMachine(sb, { lease_ttl: 30 });
    expect(m.nonce).toMatch(/^[0-9a-f]{12}$/);
    expect((await call(sb, "POST", `/apps/demo-app/machines/${m.id}/stop`)).status).toBe(409);
    const withLease = await call(sb, "GET", `/apps/demo-app/machines/${m.id}?include_leases=true`);
    expect(withLease.body.lease).toMatchObject({ owner: expect.any(String), expires_at: expect.any(Number) });
    expect(withLease.body.lease.nonce).toBeUndefined();
  });
});
