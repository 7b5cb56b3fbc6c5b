import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { createSandbox } from "../../src/sandbox/index.js";

describe("sandbox as the Fly client's fetch", () => {
  const sb = createSandbox({ transitionMs: 0, rateLimits: false });
  const fly = createFlyClient({
    baseUrl: "http://sandbox",
    token: "sandbox",
    fetch: sb.fetch,
    userAgent: "sandbox-test",
  });

  it("serves requests the client builds, JSON and text alike", async () => {
    const list = await fly.request({ method: "GET", path: "/apps/demo-app/machines" });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.data)).toBe(true);
    expect(list.requestId).toMatch(/-iad$/);
    const oidc = await fly.request({ method: "POST", path: "/tokens/oidc", body: { aud: "x" } });
    expect(typeof oidc.data).toBe("string");
  });

  it("surfaces Fly's error body and status through the client", async () => {
    const err = await fly
      .request({ method: "POST", path: "/apps", body: { name: "demo-app", org_slug: "personal" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlyApiError);
    expect((err as FlyApiError).status).toBe(422);
    expect((err as FlyApiError).details.flyStatus).toBe("name_taken");
  });
});
