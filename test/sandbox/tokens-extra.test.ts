import { describe, expect, it } from "vitest";
import { call, type Json, quickSandbox } from "./helpers.js";

describe("sandbox token minting and authentication", () => {
  it("mints a deploy token that works for its app only", async () => {
    const sb = quickSandbox();
    const res = await call(sb, "POST", "/apps/demo-app/deploy_token", { body: { expiry: "720h" } });
    expect(res.body).toEqual({ token: "sandbox-deploy:demo-app" });
    const token = res.body.token;
    expect((await call(sb, "GET", "/apps/demo-app/machines", { token })).status).toBe(200);
    expect(
      (await call(sb, "POST", "/apps", { token, body: { name: "x-app", org_slug: "personal" } })).status,
    ).toBe(403);
    expect((await call(sb, "POST", "/apps/demo-app/deploy_token", { token, body: {} })).status).toBe(403);
    expect((await call(sb, "POST", "/apps/demo-app/deploy_token", { body: { expiry: "soon" } })).status).toBe(
      400,
    );
    expect((await call(sb, "POST", "/apps/nope-app/deploy_token", { body: {} })).status).toBe(404);
  });

  it("answers a KMS token as text/plain", async () => {
    const sb = quickSandbox();
    const res = await call(sb, "POST", "/tokens/kms");
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text).toBe("sandbox-kms");
    expect((await call(sb, "POST", "/tokens/kms", { token: "sandbox-readonly" })).status).toBe(403);
  });

  it("authenticates a header without a token of its own, one entry per token", async () => {
    const sb = quickSandbox();
    const one = await call(sb, "POST", "/tokens/authenticate", {
      token: null,
      body: { header: "Bearer sandbox-deploy:demo-app" },
    });
    expect(one.status).toBe(200);
    expect(one.body).toHaveLength(1);
    const types = one.body[0].caveats.caveats.map((c: Json) => c.type);
    expect(types).toEqual(["Organization", "Apps"]);
    expect(one.body[0].nonce.kid).toHaveLength(16);
    const two = await call(sb, "POST", "/tokens/authenticate", {
      token: null,
      body: { header: "FlyV1 fm2_a,fm2_b" },
    });
    expect(two.body.map((v: Json) => v.header)).toEqual(["FlyV1 fm2_a", "FlyV1 fm2_b"]);
    const ro = await call(sb, "POST", "/tokens/authenticate", {
      token: null,
      body: { header: "sandbox-readonly" },
    });
    expect(ro.body[0].caveats.caveats[0].body.mask).toBe("r");
    expect(
      (
        await call(sb, "POST", "/tokens/authenticate", {
          token: null,
          body: { header: "Bearer sandbox-invalid" },
        })
      ).status,
    ).toBe(400);
    expect((await call(sb, "POST", "/tokens/authenticate", { token: null, body: {} })).status).toBe(400);
  });
});
