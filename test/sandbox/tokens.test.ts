import { describe, expect, it } from "vitest";
import { call, quickSandbox } from "./helpers.js";

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));

describe("sandbox tokens", () => {
  it("issues a text/plain JWT-shaped OIDC token carrying aud, sub, iss, exp", async () => {
    const sb = quickSandbox();
    const res = await call(sb, "POST", "/tokens/oidc", { body: { aud: "https://example.com/ci" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.text.split(".")).toHaveLength(3);
    const payload = payloadOf(res.text);
    expect(payload).toMatchObject({ aud: "https://example.com/ci", iss: "https://oidc.fly.io/personal" });
    expect(payload.sub).toContain("personal");
    expect(payload.exp).toBeGreaterThan(Date.now() / 1000);
    const noBody = await call(sb, "POST", "/tokens/oidc");
    expect(payloadOf(noBody.text).aud).toBe("https://oidc.fly.io/personal");
    expect((await call(sb, "POST", "/tokens/oidc", { body: { aud: 7 } })).status).toBe(400);
  });

  it("describes the current token from its text", async () => {
    const sb = quickSandbox();
    const org = (await call(sb, "GET", "/tokens/current")).body.tokens[0];
    expect(org).toMatchObject({ org_slug: "personal", apps: [], restricted_to_machine: "" });
    const deploy = (await call(sb, "GET", "/tokens/current", { token: "sandbox-deploy:demo-app" })).body
      .tokens[0];
    expect(deploy.apps).toEqual(["demo-app"]);
    const flyv1 = await call(sb, "GET", "/tokens/current", {
      token: null,
      headers: { authorization: "FlyV1 fm2_abc" },
    });
    expect(flyv1.status).toBe(200);
  });

  it("enforces the scope the token text names", async () => {
    const sb = quickSandbox();
    const ro = { token: "sandbox-readonly" };
    expect((await call(sb, "GET", "/apps/demo-app/machines", ro)).status).toBe(200);
    const write = await call(sb, "POST", "/apps", { ...ro, body: { name: "ro-app", org_slug: "personal" } });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatch(/read-only/);
    const deploy = { token: "sandbox-deploy:other-app" };
    expect((await call(sb, "GET", "/apps/demo-app", deploy)).status).toBe(403);
    expect((await call(sb, "GET", "/apps?org_slug=personal", deploy)).body.apps).toEqual([]);
    const exec = { token: "sandbox-exec:demo-app" };
    const [machine] = (await call(sb, "GET", "/apps/demo-app/machines?state=started", exec)).body;
    const ran = await call(sb, "POST", `/apps/demo-app/machines/${machine.id}/exec`, {
      ...exec,
      body: { command: ["true"] },
    });
    expect(ran.status).toBe(200);
    expect((await call(sb, "POST", `/apps/demo-app/machines/${machine.id}/stop`, exec)).status).toBe(403);
    expect((await call(sb, "GET", "/apps/demo-app", { token: "sandbox-invalid" })).status).toBe(401);
  });

  it("authorizes a token header against an access request", async () => {
    const sb = quickSandbox();
    const allowed = await call(sb, "POST", "/tokens/authorize", {
      token: null,
      body: { header: "Bearer sandbox-deploy:demo-app", access: { app_name: "demo-app", action: 2 } },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.access.action).toBe(2);
    expect(allowed.body.verified_token.header).toBe("Bearer sandbox-deploy:demo-app");
    const denied = await call(sb, "POST", "/tokens/authorize", {
      token: null,
      body: { header: "sandbox-readonly", access: { app_name: "demo-app", action: 2 } },
    });
    expect(denied.status).toBe(403);
    expect((await call(sb, "POST", "/tokens/authorize", { token: null, body: { access: {} } })).status).toBe(
      400,
    );
  });
});
