import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createSandbox, type SandboxOptions } from "../../src/sandbox/index.js";
import { createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { expectDeclaredShape } from "../support/catalog-cases.js";
import { connect, fullAccess, memoryAudit, textOf } from "../support/harness.js";

async function sandboxClient(
  sandbox: SandboxOptions = {},
  client: Parameters<typeof createFlyClient>[0] extends infer O ? Partial<O> : never = {},
) {
  const sb = createSandbox({ transitionMs: 0, rateLimits: false, ...sandbox });
  const fly = createFlyClient({
    baseUrl: "http://sandbox.local",
    token: "sandbox",
    fetch: sb.fetch,
    userAgent: USER_AGENT,
    rateLimits: false,
    ...client,
  });
  return {
    sb,
    client: await connect(
      createServer({
        tools: coreTools,
        fly,
        access: fullAccess(),
        audit: memoryAudit(),
        logger: silentLogger(),
      }),
    ),
  };
}

/** Calls a tool and records that it was exercised. */
function recorder(client: Client) {
  const used = new Set<string>();
  const run = async (
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ result: CallToolResult; data: any }> => {
    used.add(name);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    await expectDeclaredShape(client, name, result);
    const text = textOf(result);
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
    return { result, data };
  };
  const ok = async (name: string, args: Record<string, unknown>) => {
    const out = await run(name, args);
    expect(out.result.isError, `${name}: ${textOf(out.result)}`).toBeFalsy();
    return out.data;
  };
  return { used, run, ok };
}

const APP = "e2e-app";

describe("every core tool against the sandbox, in process", () => {
  it("runs the whole lifecycle of an app, its machines, volumes, leases and secrets", async () => {
    const { client } = await sandboxClient();
    const { used, ok, run } = recorder(client);

    await ok("apps_create", { name: APP, org_slug: "personal" });
    expect(
      (await ok("apps_list", { org_slug: "personal" })).apps.map((a: { name: string }) => a.name),
    ).toContain(APP);
    expect((await ok("apps_get", { app_name: APP })).name).toBe(APP);

    const vol = await ok("volumes_create", { app_name: APP, name: "data", region: "iad", size_gb: 1 });
    expect((await ok("volumes_list", { app_name: APP })).volumes).toHaveLength(1);
    expect(
      (await ok("volumes_extend", { app_name: APP, volume_id: vol.id, size_gb: 2 })).volume.size_gb,
    ).toBe(2);
    expect((await ok("volumes_get", { app_name: APP, volume_id: vol.id })).size_gb).toBe(2);

    await ok("secrets_set", { app_name: APP, values: { API_KEY: "k1", OTHER: "o1" } });
    const secrets = await ok("secrets_list", { app_name: APP });
    expect(secrets.secrets.map((s: { name: string }) => s.name).sort()).toEqual(["API_KEY", "OTHER"]);
    expect(JSON.stringify(secrets)).not.toContain("k1");
    await ok("secrets_delete", { app_name: APP, secret_name: "OTHER" });

    const m = await ok("machines_create", {
      app_name: APP,
      name: "worker",
      region: "iad",
      config: { image: "nginx:latest", mounts: [{ volume: vol.id, path: "/data" }] },
    });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "started", timeout: 5 });
    expect((await ok("machines_list", { app_name: APP })).machines[0].state).toBe("started");
    expect((await ok("machines_get", { app_name: APP, machine_id: m.id })).config.image).toBe("nginx:latest");
    expect(
      (await ok("machines_exec", { app_name: APP, machine_id: m.id, command: ["echo", "hi"] })).stdout,
    ).toBe("hi\n");
    expect(Array.isArray((await ok("machines_processes", { app_name: APP, machine_id: m.id })).items)).toBe(
      true,
    );

    await ok("machines_update", {
      app_name: APP,
      machine_id: m.id,
      merge: true,
      config: { env: { MODE: "x" } },
    });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "started", timeout: 5 });
    const versions = await ok("machines_versions", { app_name: APP, machine_id: m.id });
    expect(versions.items).toHaveLength(2);
    const updated = await ok("machines_get", { app_name: APP, machine_id: m.id });
    expect(updated.config).toMatchObject({ image: "nginx:latest", env: { MODE: "x" } });

    await ok("machines_restart", { app_name: APP, machine_id: m.id, timeout: "1s" });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "started", timeout: 5 });
    await ok("machines_signal", { app_name: APP, machine_id: m.id, signal: "SIGHUP" });

    const lease = await ok("leases_acquire", { app_name: APP, machine_id: m.id, ttl: 30 });
    expect((await ok("leases_get", { app_name: APP, machine_id: m.id })).owner).toBe(lease.owner);
    const refused = await run("machines_suspend", { app_name: APP, machine_id: m.id });
    expect(refused.result.isError).toBe(true);
    expect(textOf(refused.result)).toContain("lease currently held");
    await ok("machines_suspend", { app_name: APP, machine_id: m.id, lease_nonce: lease.nonce });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "suspended", timeout: 5 });
    await ok("machines_start", { app_name: APP, machine_id: m.id, lease_nonce: lease.nonce });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "started", timeout: 5 });
    await ok("machines_stop", {
      app_name: APP,
      machine_id: m.id,
      lease_nonce: lease.nonce,
      signal: "SIGTERM",
      timeout: "2s",
    });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "stopped", timeout: 5 });
    await ok("leases_release", { app_name: APP, machine_id: m.id, lease_nonce: lease.nonce });

    const events = await ok("machines_events", { app_name: APP, machine_id: m.id, limit: 50 });
    expect(events.items.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["launch", "start", "update", "stop"]),
    );

    const attached = await run("volumes_delete", { app_name: APP, volume_id: vol.id });
    expect(attached.result.isError).toBe(true);
    await ok("machines_delete", { app_name: APP, machine_id: m.id });
    await ok("machines_wait", { app_name: APP, machine_id: m.id, state: "destroyed", timeout: 5 });
    await ok("volumes_delete", { app_name: APP, volume_id: vol.id });

    const token = await ok("tokens_request_oidc", { aud: "sts.amazonaws.com" });
    const payload = JSON.parse(Buffer.from(token.token.split(".")[1], "base64url").toString());
    expect(payload.aud).toBe("sts.amazonaws.com");

    await ok("apps_delete", { app_name: APP });
    expect((await run("apps_get", { app_name: APP })).result.isError).toBe(true);

    expect([...used].sort()).toEqual(coreTools.map((t) => t.name).sort());
  });

  it("a wait that times out tells the agent how to go on", async () => {
    const { client } = await sandboxClient({ transitionMs: 0 });
    const { ok } = recorder(client);
    const [stopped] = (await ok("machines_list", { app_name: "demo-app", state: "stopped" })).machines;
    const result = (await client.callTool({
      name: "machines_wait",
      arguments: { app_name: "demo-app", machine_id: stopped.id, state: "started", timeout: 1 },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain("call machines_wait again");
  });

  it("a second lease is refused with who holds it and until when", async () => {
    const { client } = await sandboxClient();
    const { ok, run } = recorder(client);
    const [m] = (await ok("machines_list", { app_name: "demo-app" })).machines;
    await ok("leases_acquire", { app_name: "demo-app", machine_id: m.id, ttl: 60 });
    const second = await run("leases_acquire", { app_name: "demo-app", machine_id: m.id, ttl: 60 });
    expect(second.result.isError).toBe(true);
    expect(textOf(second.result)).toMatch(/409 Conflict: .*held by .*expires at/);
    expect(textOf(second.result)).toContain("lease_nonce");
  });

  it("Fly's 429 reaches the agent as an actionable error when the client does not absorb it", async () => {
    const { client } = await sandboxClient({ rateLimits: true }, { rateLimits: false, retry: false });
    const { ok, run } = recorder(client);
    const [m] = (await ok("machines_list", { app_name: "demo-app", state: "started" })).machines;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        run("machines_signal", { app_name: "demo-app", machine_id: m.id, signal: "SIGHUP" }),
      ),
    );
    const limited = results.filter((r) => r.result.isError);
    expect(limited.length).toBeGreaterThan(0);
    expect(textOf(limited[0]!.result)).toMatch(/429 .*rate limit.*Wait a few seconds/s);
  });

  it("with the client's own rate limiting, the same burst gets no 429 at all", async () => {
    const { client } = await sandboxClient({ rateLimits: true }, { rateLimits: undefined });
    const { ok, run } = recorder(client);
    const [m] = (await ok("machines_list", { app_name: "demo-app", state: "started" })).machines;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        run("machines_signal", { app_name: "demo-app", machine_id: m.id, signal: "SIGHUP" }),
      ),
    );
    expect(results.filter((r) => r.result.isError).map((r) => textOf(r.result))).toEqual([]);
  });
});
