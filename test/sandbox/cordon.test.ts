import { describe, expect, it } from "vitest";
import { call, quickSandbox, seeded } from "./helpers.js";

describe("sandbox cordon", () => {
  it("cordons and uncordons a machine, shown in its view, and needs the lease nonce when leased", async () => {
    const sb = quickSandbox();
    const id = seeded(sb, "demo-web");
    const path = `/apps/demo-app/machines/${id}`;
    expect((await call(sb, "POST", `${path}/cordon`)).body).toEqual({ ok: true });
    expect((await call(sb, "GET", path)).body.cordoned).toBe(true);
    const lease = (await call(sb, "POST", `${path}/lease`, { body: { ttl: 30 } })).body;
    expect((await call(sb, "POST", `${path}/uncordon`)).status).toBe(409);
    const nonce = lease.data?.nonce ?? lease.nonce;
    const ok = await call(sb, "POST", `${path}/uncordon`, { headers: { "fly-machine-lease-nonce": nonce } });
    expect(ok.status).toBe(200);
    expect((await call(sb, "GET", path)).body.cordoned).toBe(false);
    expect((await call(sb, "POST", `${path}/cordon`, { token: "sandbox-readonly" })).status).toBe(403);
  });
});
