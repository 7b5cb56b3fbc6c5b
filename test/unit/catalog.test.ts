import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { coreTools } from "../../src/tools/index.js";
import { type CatalogCase, expectCatalogCase, json } from "../support/catalog-cases.js";
import { createFlyMock } from "../support/fly-mock.js";

const APP = "demo-app";
const M = "3d8d413b29d089";
const VOL = "vol_2n0l3vl60qpv635d";
const machine = {
  id: M,
  name: "web-1",
  state: "started",
  region: "iad",
  instance_id: "01H3JK",
  private_ip: "fdaa::2",
  config: { image: "nginx:latest", env: { A: "1" } },
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-02T00:00:00Z",
};

const cases: CatalogCase[] = [
  {
    tool: "apps_list",
    args: { org_slug: "personal" },
    method: "GET",
    path: "/v1/apps",
    query: { org_slug: "personal" },
    reply: () =>
      json({
        total_apps: 1,
        apps: [
          {
            id: "a1",
            name: APP,
            status: "deployed",
            machine_count: 2,
            network: "default",
            organization: { slug: "personal", name: "Personal" },
          },
        ],
      }),
    sees: [`"name":"${APP}"`, '"slug":"personal"', '"total_apps":1'],
    hidden: ['"network"'],
  },
  {
    tool: "apps_get",
    args: { app_name: APP },
    method: "GET",
    path: `/v1/apps/${APP}`,
    reply: () => json({ id: "a1", name: APP, network: "default" }),
    sees: ['"network":"default"'],
  },
  {
    tool: "apps_create",
    args: { name: "new-app", org_slug: "personal", network: "blue" },
    method: "POST",
    path: "/v1/apps",
    query: { wait: "true" },
    body: { name: "new-app", org_slug: "personal", network: "blue" },
    reply: () => json({ id: "app1", created_at: 1700000000 }, 201),
    sees: ['"id":"app1"'],
    followUps: [{ method: "GET", path: "/v1/apps/new-app" }],
  },
  {
    tool: "apps_delete",
    args: { app_name: APP },
    method: "DELETE",
    path: `/v1/apps/${APP}`,
    reply: () => new Response(null, { status: 202 }),
    sees: ['"ok":true', '"status":202'],
  },

  {
    tool: "machines_list",
    args: {
      app_name: APP,
      region: "iad",
      state: "started,stopped",
      metadata: { fly_process_group: "app" },
      include_deleted: true,
      limit: 2,
      cursor: "c1",
    },
    method: "GET",
    path: `/v1/apps/${APP}/machines`,
    query: {
      region: "iad",
      state: "started,stopped",
      "metadata.fly_process_group": "app",
      include_deleted: "true",
      limit: "2",
      cursor: "c1",
    },
    reply: () => json([machine], 200, { "fly-next-cursor": "c2" }),
    sees: [`"id":"${M}"`, '"image":"nginx:latest"', '"next_cursor":"c2"'],
    hidden: ["private_ip", '"env"'],
  },
  {
    tool: "machines_get",
    args: { app_name: APP, machine_id: M, include_leases: true },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}`,
    query: { include_leases: "true" },
    reply: () => json(machine),
    sees: ['"private_ip":"fdaa::2"', '"env":{"A":"1"}'],
  },
  {
    tool: "machines_create",
    args: {
      app_name: APP,
      config: { image: "nginx:latest", guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256 } },
      name: "web-2",
      region: "lhr",
      skip_launch: true,
    },
    method: "POST",
    path: `/v1/apps/${APP}/machines`,
    body: {
      config: { image: "nginx:latest", guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256 } },
      name: "web-2",
      region: "lhr",
      skip_launch: true,
    },
    reply: () => json({ ...machine, name: "web-2", state: "created" }),
    sees: ['"state":"created"'],
  },
  {
    tool: "machines_update",
    args: {
      app_name: APP,
      machine_id: M,
      config: { image: "nginx:1.27" },
      current_version: "01H3JK",
      lease_nonce: "abc123",
    },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}`,
    headers: { "fly-machine-lease-nonce": "abc123" },
    body: { config: { image: "nginx:1.27" }, current_version: "01H3JK" },
    reply: () => json({ ...machine, state: "replacing" }),
    sees: ['"state":"replacing"'],
  },
  {
    tool: "machines_delete",
    args: { app_name: APP, machine_id: M, force: true },
    method: "DELETE",
    path: `/v1/apps/${APP}/machines/${M}`,
    query: { force: "true" },
    reply: () => json({ ok: true }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_start",
    args: { app_name: APP, machine_id: M },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/start`,
    reply: () => json({ previous_state: "stopped" }),
    sees: ['"previous_state":"stopped"'],
  },
  {
    tool: "machines_stop",
    args: { app_name: APP, machine_id: M, signal: "SIGTERM", timeout: "10s", lease_nonce: "n0nce" },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/stop`,
    headers: { "fly-machine-lease-nonce": "n0nce" },
    body: { signal: "SIGTERM", timeout: "10s" },
    reply: () => new Response(null, { status: 200 }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_restart",
    args: { app_name: APP, machine_id: M, signal: "SIGINT", timeout: "5s" },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/restart`,
    query: { signal: "SIGINT", timeout: "5s" },
    reply: () => json({ ok: true }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_suspend",
    args: { app_name: APP, machine_id: M },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/suspend`,
    reply: () => json({ ok: true }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_signal",
    args: { app_name: APP, machine_id: M, signal: "SIGHUP" },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/signal`,
    body: { signal: "SIGHUP" },
    reply: () => json({ ok: true }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_exec",
    args: { app_name: APP, machine_id: M, command: ["sh", "-c", "exit 3"], timeout: 5 },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/exec`,
    body: { command: ["sh", "-c", "exit 3"], timeout: 5 },
    reply: () => json({ stdout: "", stderr: "boom", exit_code: 3 }),
    sees: ['"exit_code":3', '"stderr":"boom"', "exited with code 3"],
  },
  {
    tool: "machines_wait",
    args: { app_name: APP, machine_id: M, state: "stopped", timeout: 30, version: "01H3JK" },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}/wait`,
    query: { state: "stopped", timeout: "30", version: "01H3JK" },
    reply: () => json({ ok: true, state: "stopped", version: "01H3JK", event_id: "e1" }),
    sees: ['"ok":true', '"state":"stopped"'],
  },
  {
    tool: "machines_processes",
    args: { app_name: APP, machine_id: M, sort_by: "cpu", order: "desc" },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}/ps`,
    query: { sort_by: "cpu", order: "desc" },
    reply: () => json([{ pid: 1, command: "nginx", cpu: 3, rss: 1024 }]),
    sees: ['"command":"nginx"'],
  },
  {
    tool: "machines_events",
    args: { app_name: APP, machine_id: M, limit: 5 },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}/events`,
    query: { limit: "5" },
    reply: () => json([{ id: "e1", type: "start", status: "started", source: "flyd", timestamp: 1 }]),
    sees: ['"type":"start"'],
  },
  {
    tool: "machines_versions",
    args: { app_name: APP, machine_id: M },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}/versions`,
    reply: () => json([{ version: "01H3JK", user_config: { image: "nginx:latest" } }]),
    sees: ['"version":"01H3JK"'],
  },
  {
    tool: "leases_acquire",
    args: { app_name: APP, machine_id: M, ttl: 60, description: "deploying" },
    method: "POST",
    path: `/v1/apps/${APP}/machines/${M}/lease`,
    body: { ttl: 60, description: "deploying" },
    reply: () =>
      json(
        {
          status: "success",
          data: { nonce: "fed368b018e9", expires_at: 1666295946, owner: "me@example.com" },
        },
        201,
      ),
    sees: ['"nonce":"fed368b018e9"'],
    hidden: ['"status":"success"'],
  },
  {
    tool: "leases_get",
    args: { app_name: APP, machine_id: M },
    method: "GET",
    path: `/v1/apps/${APP}/machines/${M}/lease`,
    reply: () => json({ nonce: "fed368b018e9", expires_at: 1666295946, owner: "me@example.com" }),
    sees: ['"owner":"me@example.com"'],
  },
  {
    tool: "leases_release",
    args: { app_name: APP, machine_id: M, lease_nonce: "fed368b018e9" },
    method: "DELETE",
    path: `/v1/apps/${APP}/machines/${M}/lease`,
    headers: { "fly-machine-lease-nonce": "fed368b018e9" },
    reply: () => json({ status: "success", data: { ok: true } }),
    sees: ['{"ok":true}'],
  },
  {
    tool: "volumes_list",
    args: { app_name: APP, limit: 10 },
    method: "GET",
    path: `/v1/apps/${APP}/volumes`,
    query: { limit: "10" },
    reply: () =>
      json([
        {
          id: VOL,
          name: "data",
          state: "created",
          size_gb: 3,
          region: "iad",
          zone: "z1",
          blocks: 99,
          attached_machine_id: M,
        },
      ]),
    sees: [`"id":"${VOL}"`, `"attached_machine_id":"${M}"`],
    hidden: ['"blocks"'],
  },
  {
    tool: "volumes_get",
    args: { app_name: APP, volume_id: VOL },
    method: "GET",
    path: `/v1/apps/${APP}/volumes/${VOL}`,
    reply: () => json({ id: VOL, blocks: 99 }),
    sees: ['"blocks":99'],
  },
  {
    tool: "volumes_create",
    args: {
      app_name: APP,
      name: "data",
      region: "iad",
      size_gb: 3,
      encrypted: true,
      require_unique_zone: false,
    },
    method: "POST",
    path: `/v1/apps/${APP}/volumes`,
    body: { name: "data", region: "iad", size_gb: 3, encrypted: true, require_unique_zone: false },
    reply: () => json({ id: VOL, name: "data", region: "iad", size_gb: 3 }),
    sees: [`"id":"${VOL}"`],
  },
  {
    tool: "volumes_extend",
    args: { app_name: APP, volume_id: VOL, size_gb: 10 },
    method: "PUT",
    path: `/v1/apps/${APP}/volumes/${VOL}/extend`,
    body: { size_gb: 10 },
    reply: () => json({ needs_restart: true, volume: { id: VOL, size_gb: 10 } }),
    sees: ['"needs_restart":true'],
  },
  {
    tool: "volumes_delete",
    args: { app_name: APP, volume_id: VOL },
    method: "DELETE",
    path: `/v1/apps/${APP}/volumes/${VOL}`,
    reply: () => json({ id: VOL, state: "destroyed" }),
    sees: ['"state":"destroyed"'],
  },
  {
    tool: "secrets_list",
    args: { app_name: APP },
    method: "GET",
    path: `/v1/apps/${APP}/secrets`,
    reply: () => json({ secrets: [{ name: "DATABASE_URL", digest: "d1" }] }),
    sees: ['"name":"DATABASE_URL"', '"digest":"d1"'],
  },
  {
    tool: "secrets_set",
    args: { app_name: APP, values: { API_KEY: "s3cret-value" } },
    method: "POST",
    path: `/v1/apps/${APP}/secrets`,
    body: { values: { API_KEY: "s3cret-value" } },
    reply: () => json({ secrets: [{ name: "API_KEY", digest: "d2", value: "s3cret-value" }], version: 4 }),
    sees: ['"name":"API_KEY"', '"version":4'],
    hidden: ["s3cret-value"],
  },
  {
    tool: "secrets_delete",
    args: { app_name: APP, secret_name: "API_KEY" },
    method: "DELETE",
    path: `/v1/apps/${APP}/secrets/API_KEY`,
    reply: () => json({ version: 5 }),
    sees: ['"version":5'],
  },
  {
    tool: "tokens_request_oidc",
    args: { aud: "sts.amazonaws.com" },
    method: "POST",
    path: "/v1/tokens/oidc",
    body: { aud: "sts.amazonaws.com" },
    reply: () =>
      new Response("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdHMifQ.c2ln\n", {
        headers: { "content-type": "text/plain" },
      }),
    sees: ['"token":"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdHMifQ.c2ln"'],
  },
];

const fly = createFlyMock();
beforeAll(() => fly.start());
afterEach(() => fly.reset());
afterAll(() => fly.stop());

describe("the catalog", () => {
  it("has a case below for every core tool", () => {
    expect(cases.map((c) => c.tool).sort()).toEqual(coreTools.map((t) => t.name).sort());
    expect(coreTools).toHaveLength(31);
  });

  it.each(cases)("$tool sends exactly what Fly expects and shows the agent the result", (c) =>
    expectCatalogCase(fly, c),
  );
});
