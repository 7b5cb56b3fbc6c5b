import { afterEach, describe, expect, it, vi } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { detectScope } from "../../src/policy/index.js";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { createServer } from "../../src/server.js";
import { allTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { settleWithFakeTimers } from "../support/fake-time.js";
import { call, connect, fullAccess, memoryAudit, textOf } from "../support/harness.js";

// The sandbox behaves as live Fly does where the spec is silent; the tools must cope as users will see.
const LAG_MS = 5_000;

function flyFor(sb: Sandbox, token = "sandbox") {
  return createFlyClient({
    baseUrl: "http://sandbox.local",
    token,
    fetch: sb.fetch,
    userAgent: USER_AGENT,
    rateLimits: false,
  });
}

async function setup() {
  const sb = createSandbox({ transitionMs: 0, rateLimits: false, consistencyMs: LAG_MS });
  const client = await connect(
    createServer({
      tools: allTools,
      fly: flyFor(sb),
      logger: silentLogger(),
      access: fullAccess(),
      audit: memoryAudit(),
    }),
  );
  const ok = async (name: string, args: Record<string, unknown>) => {
    const result = await call(client, name, args);
    expect(result.isError, `${name}: ${textOf(result)}`).toBeFalsy();
    const text = textOf(result);
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return { sb, client, ok };
}

const webMachine = (sb: Sandbox) =>
  [...sb.store.app("demo-app")!.machines.values()].find((m) => m.name === "demo-web")!.id;

afterEach(() => {
  vi.useRealTimers();
});

describe("secrets are eventually consistent", () => {
  it("a machine updated right after secrets_set sees the new value", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { sb, ok } = await setup();
    const id = webMachine(sb);
    await ok("secrets_set", { app_name: "demo-app", values: { FEATURE_KEY: "v2" } });
    await ok("machines_update", {
      app_name: "demo-app",
      machine_id: id,
      merge: true,
      config: { env: { MODE: "b" } },
    });
    const out = await ok("machines_exec", {
      app_name: "demo-app",
      machine_id: id,
      command: ["printenv", "FEATURE_KEY"],
    });
    expect(out.stdout).toBe("v2\n");
  });

  it("the sandbox hands out the old secrets for a moment to a machine write that names no version", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { sb, ok } = await setup();
    const id = webMachine(sb);
    const fly = flyFor(sb);
    await ok("secrets_set", { app_name: "demo-app", values: { FEATURE_KEY: "v2" } });
    const config = sb.store.app("demo-app")!.machines.get(id)!.config;
    const update = () =>
      fly.request({ method: "POST", path: `/apps/demo-app/machines/${id}`, body: { config } });
    const printenv = async () =>
      (
        await ok("machines_exec", {
          app_name: "demo-app",
          machine_id: id,
          command: ["printenv", "FEATURE_KEY"],
        })
      ).stdout;
    await update();
    expect(await printenv()).toBe("");
    vi.advanceTimersByTime(LAG_MS);
    await update();
    expect(await printenv()).toBe("v2\n");
  });
});

describe("a new app is not ready at once", () => {
  it("the sandbox answers 404 for a moment after creation", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { sb } = await setup();
    const fly = flyFor(sb);
    await fly.request({ method: "POST", path: "/apps", body: { name: "fresh-app", org_slug: "personal" } });
    await expect(fly.request({ method: "GET", path: "/apps/fresh-app" })).rejects.toMatchObject({
      status: 404,
    });
    vi.advanceTimersByTime(LAG_MS);
    expect((await fly.request({ method: "GET", path: "/apps/fresh-app" })).status).toBe(200);
  });

  it("apps_create returns once the app is there, so a machine can be created in it at once", async () => {
    const { ok } = await setup();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    await settleWithFakeTimers(ok("apps_create", { name: "fresh-app", org_slug: "personal" }));
    const machine = await ok("machines_create", { app_name: "fresh-app", config: { image: "nginx" } });
    expect(machine.id).toEqual(expect.any(String));
  });
});

describe("apps_delete with force", () => {
  it("deletes an app whose machines are running only with force, as Fly's docs say", async () => {
    const { client } = await setup();
    const refused = await call(client, "apps_delete", { app_name: "demo-app" });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/force: true/);
    const forced = await call(client, "apps_delete", { app_name: "demo-app", force: true });
    expect(forced.isError, textOf(forced)).toBeFalsy();
  });
});

describe("token scope detection against the sandbox", () => {
  it("a machine-exec token (deploy token with a commands caveat) is machine-exec, a deploy token is not", async () => {
    const sb = createSandbox({ transitionMs: 0, rateLimits: false });
    const exec = "sandbox-exec:demo-app";
    const execScope = await detectScope(flyFor(sb, exec), { token: exec });
    expect(execScope).toMatchObject({ scope: "machine-exec", scopeApp: "demo-app" });
    expect(execScope.summary).not.toContain(exec);
    const deploy = "sandbox-deploy:demo-app";
    expect(await detectScope(flyFor(sb, deploy), { token: deploy })).toMatchObject({
      scope: "deploy",
      scopeApp: "demo-app",
    });
  });
});

describe("wildcard certificates", () => {
  it("a wildcard hostname travels as %2A and the sandbox finds the certificate", async () => {
    const { ok } = await setup();
    await ok("certificates_request_acme", { app_name: "demo-app", hostname: "*.example.com" });
    expect((await ok("certificates_get", { app_name: "demo-app", hostname: "*.example.com" })).hostname).toBe(
      "*.example.com",
    );
  });
});
