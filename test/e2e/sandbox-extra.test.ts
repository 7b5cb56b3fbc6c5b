import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { createServer } from "../../src/server.js";
import { allTools, coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import type { Json } from "../sandbox/helpers.js";
import { expectDeclaredShape } from "../support/catalog-cases.js";
import { CERT_PEM, KEY_PEM } from "../support/custom-certificate.js";
import { connect, fullAccess, memoryAudit, textOf } from "../support/harness.js";

const CORE = new Set(coreTools.map((t) => t.name));
const EXTRA = allTools.map((t) => t.name).filter((name) => !CORE.has(name));

async function sandboxClient() {
  const sb = createSandbox({ transitionMs: 0, rateLimits: false });
  const fly = createFlyClient({
    baseUrl: "http://sandbox.local",
    token: "sandbox",
    fetch: sb.fetch,
    userAgent: USER_AGENT,
    rateLimits: false,
  });
  return {
    sb,
    client: await connect(
      createServer({
        tools: allTools,
        fly,
        access: fullAccess(),
        audit: memoryAudit(),
        logger: silentLogger(),
      }),
    ),
  };
}

/** Calls tools; `used` collects the non-core ones exercised. */
function recorder(client: Client) {
  const used = new Set<string>();
  const run = async (
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ result: CallToolResult; data: Json }> => {
    if (!CORE.has(name)) used.add(name);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    await expectDeclaredShape(client, name, result);
    const text = textOf(result);
    let data: Json;
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
    return { result, data };
  };
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const out = await run(name, args);
    expect(out.result.isError, `${name}: ${textOf(out.result)}`).toBeFalsy();
    return out.data;
  };
  const fails = async (name: string, args: Record<string, unknown>) => {
    const out = await run(name, args);
    expect(out.result.isError, `${name} should fail`).toBe(true);
    return textOf(out.result);
  };
  return { used, ok, fails };
}

const APP = "e2e-extra";
const bytes = (s: string): number[] => [...Buffer.from(s)];

describe("every non-core tool against the sandbox, in process", () => {
  it("runs certificates, IPs, metadata, memory, cordon, secrets, keys, snapshots, org, platform, tokens and Postgres", async () => {
    const { sb, client } = await sandboxClient();
    const { used, ok, fails } = recorder(client);

    // Platform and app setup.
    const regions = await ok("platform_regions_list");
    expect(regions.nearest).toBe("iad");
    expect(regions.regions.map((r: { code: string }) => r.code)).toContain("lhr");
    await ok("apps_create", { name: APP, org_slug: "personal" });

    // IP addresses.
    const v6 = await ok("ips_assign", { app_name: APP, type: "v6" });
    const shared = await ok("ips_assign", { app_name: APP, type: "shared_v4" });
    expect(shared.shared).toBe(true);
    const pair = await ok("ips_assign", { app_name: APP, type: "egress_pair", region: "ams" });
    expect(pair.ip_pair.v4).toEqual(expect.any(String));
    const flycast = await ok("ips_assign", { app_name: APP, type: "private_v6", service_name: "api" });
    expect(flycast.network).toEqual({ name: "", org_slug: "personal" });
    expect((await ok("ips_list", { app_name: APP })).ips).toHaveLength(5);

    // Certificates: ACME awaits DNS, a check makes it Ready; a custom one is parsed on upload.
    const host = "www.e2e-extra.example.com";
    const acme = await ok("certificates_request_acme", { app_name: APP, hostname: host });
    expect(acme.status).toBe("Awaiting configuration");
    expect(acme.dns_requirements).toMatchObject({ cname: `${APP}.fly.dev`, a: [shared.ip], aaaa: [v6.ip] });
    const checked = await ok("certificates_check", { app_name: APP, hostname: host });
    expect(checked).toMatchObject({ status: "Ready", configured: true });
    const custom = await ok("certificates_upload_custom", {
      app_name: APP,
      hostname: "shop.example.com",
      fullchain: CERT_PEM,
      private_key: KEY_PEM,
    });
    expect(custom.certificates[0]).toMatchObject({ source: "custom", status: "active" });
    const certs = await ok("certificates_list", { app_name: APP });
    expect(certs.total_count).toBe(2);
    expect(
      certs.certificates.find((c: { hostname: string }) => c.hostname === host).has_fly_certificate,
    ).toBe(true);
    expect(
      (await ok("certificates_get", { app_name: APP, hostname: "shop.example.com" })).certificates[0].issuer,
    ).toBe("shop.example.com");
    expect(
      (await ok("certificates_delete_custom", { app_name: APP, hostname: "shop.example.com" })).warning,
    ).toContain("no certificate");
    expect((await ok("certificates_delete_acme", { app_name: APP, hostname: host })).acme_requested).toBe(
      false,
    );
    await ok("certificates_delete", { app_name: APP, hostname: host });
    expect((await ok("certificates_list", { app_name: APP })).total_count).toBe(1);
    await ok("ips_release", { app_name: APP, ip: v6.ip });
    expect((await ok("ips_list", { app_name: APP })).ips).toHaveLength(4);

    // A running machine: metadata, memory, cordon.
    const created = await ok("machines_create", {
      app_name: APP,
      region: "iad",
      config: {
        image: "nginx:latest",
        guest: { cpu_kind: "shared", cpus: 1, memory_mb: 512 },
        metadata: { role: "api" },
      },
    });
    const m = { app_name: APP, machine_id: created.id };
    await ok("machines_wait", { ...m, state: "started", timeout: 5 });
    const { version } = await ok("machines_get", m);
    await ok("machines_metadata_update", { ...m, metadata: { tier: "gold" }, machine_version: version });
    expect(
      await fails("machines_metadata_update", {
        ...m,
        metadata: { tier: "x" },
        machine_version: "01STALEVERSION",
      }),
    ).toContain("412");
    expect(await ok("machines_metadata_get_key", { ...m, key: "tier" })).toEqual({ value: "gold" });
    await ok("machines_metadata_set_key", { ...m, key: "owner", value: "team-a" });
    expect(await ok("machines_metadata_get", m)).toEqual({ role: "api", tier: "gold", owner: "team-a" });
    await ok("machines_metadata_delete_key", { ...m, key: "role" });
    await ok("machines_metadata_put", { ...m, metadata: { tier: "" } });
    expect(await ok("machines_metadata_get", m)).toEqual({ owner: "team-a" });
    expect(await ok("machines_list", { app_name: APP, metadata: { owner: "team-a" } })).toMatchObject({
      machines: [{ id: created.id }],
    });

    expect((await ok("machines_memory_get", m)).limit_mb).toBe(512);
    expect((await ok("machines_memory_set", { ...m, limit_mb: 384 })).limit_mb).toBe(384);
    expect((await ok("machines_memory_reclaim", { ...m, amount_mb: 32 })).actual_mb).toBe(32);

    await ok("machines_cordon", m);
    expect((await ok("machines_get", m)).cordoned).toBe(true);
    await ok("machines_uncordon", m);
    expect((await ok("machines_get", m)).cordoned).toBe(false);

    // One secret at a time.
    const set = await ok("secrets_set_one", {
      app_name: APP,
      secret_name: "API_TOKEN",
      value: "s3cret-value",
    });
    expect(JSON.stringify(set)).not.toContain("s3cret-value");
    expect(
      (await ok("secrets_get", { app_name: APP, secret_name: "API_TOKEN", show_secrets: true })).value,
    ).toBe("s3cret-value");

    // Secret keys: encrypt/decrypt and sign/verify round trips.
    const dataKey = { app_name: APP, secret_name: "data_key" };
    await ok("secretkeys_generate", { ...dataKey, type: "nacl_secretbox" });
    const aad = bytes("customer-7");
    const { ciphertext } = await ok("secretkeys_encrypt", {
      ...dataKey,
      plaintext: bytes("card 4242"),
      associated_data: aad,
    });
    // Bytes come back as base64 text (Go's []byte), and go back in as they came.
    expect(typeof ciphertext).toBe("string");
    const { plaintext } = await ok("secretkeys_decrypt", { ...dataKey, ciphertext, associated_data: aad });
    expect(Buffer.from(plaintext, "base64").toString()).toBe("card 4242");
    const signKey = { app_name: APP, secret_name: "signing_key" };
    await ok("secretkeys_set", {
      ...signKey,
      type: "hs256",
      value: Array.from({ length: 32 }, (_, i) => i * 7),
    });
    const { signature } = await ok("secretkeys_sign", { ...signKey, plaintext: bytes("webhook body") });
    expect(
      await ok("secretkeys_verify", { ...signKey, plaintext: bytes("webhook body"), signature }),
    ).toEqual({ ok: true, status: 204 });
    await fails("secretkeys_verify", { ...signKey, plaintext: bytes("tampered"), signature });
    const keys = await ok("secretkeys_list", { app_name: APP });
    expect(keys.secret_keys.map((k: { name: string }) => k.name)).toEqual(["data_key", "signing_key"]);
    expect((await ok("secretkeys_get", signKey)).type).toBe("hs256");
    expect((await ok("secretkeys_delete", signKey)).version).toEqual(expect.any(Number));

    // Volumes: settings, a snapshot, and a restore from it.
    const vol = await ok("volumes_create", { app_name: APP, name: "data", region: "iad", size_gb: 2 });
    const v = { app_name: APP, volume_id: vol.id };
    expect(
      await ok("volumes_update", { ...v, auto_backup_enabled: false, snapshot_retention: 10 }),
    ).toMatchObject({ auto_backup_enabled: false, snapshot_retention: 10 });
    await ok("volumes_snapshots_create", v);
    const [snapshot] = (await ok("volumes_snapshots_list", v)).items;
    expect(snapshot).toMatchObject({ status: "created", retention_days: 10 });
    expect(
      (
        await ok("volumes_create", {
          app_name: APP,
          name: "copy",
          region: "iad",
          size_gb: 2,
          snapshot_id: snapshot.id,
        })
      ).size_gb,
    ).toBe(2);

    // Across the org.
    const orgMachines = await ok("org_machines_list", { org_slug: "personal" });
    expect(orgMachines.machines.map((x: { id: string }) => x.id)).toContain(created.id);
    const orgVolumes = await ok("org_volumes_list", { org_slug: "personal", region: "iad" });
    expect(orgVolumes.volumes.filter((x: { app_name: string }) => x.app_name === APP)).toHaveLength(2);
    const placed = await ok("platform_placements_simulate", {
      org_slug: "personal",
      region: "ams,eu",
      count: 2,
      compute: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
    });
    expect(placed.regions).toEqual([{ region: "ams", count: 2, concurrency: 2 }]);

    // Tokens: the minted deploy token is live and limited to its app.
    expect((await ok("tokens_current")).tokens[0].org_slug).toBe("personal");
    const { token } = await ok("tokens_create_deploy", { app_name: APP, expiry: "24h" });
    const asDeploy = (path: string) =>
      sb.fetch(`http://sandbox.local/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asDeploy(`/apps/${APP}/machines`)).status).toBe(200);
    expect((await asDeploy("/apps/demo-app/machines")).status).toBe(403);
    const verified = await ok("tokens_authenticate", { header: `Bearer ${token}` });
    expect(verified.items[0].caveats.caveats.map((c: { type: string }) => c.type)).toEqual([
      "Organization",
      "Apps",
    ]);
    expect(
      (await ok("tokens_authorize", { header: `Bearer ${token}`, access: { app_name: APP, action: 2 } }))
        .access.action,
    ).toBe(2);
    await fails("tokens_authorize", {
      header: `Bearer ${token}`,
      access: { app_name: "demo-app", action: 2 },
    });
    expect(await ok("tokens_request_kms")).toEqual({ token: "sandbox-kms" });

    // Managed Postgres: create, wait for ready, attach, database and user, credentials into a secret.
    const pg = (
      await ok("postgres_clusters_create", {
        org_slug: "personal",
        plan: "basic",
        region: "iad",
        name: "e2e-db",
      })
    ).data;
    expect(pg.status).toBe("creating");
    const c = { postgres_cluster_id: pg.id };
    let cluster = (await ok("postgres_clusters_get", c)).data;
    for (let i = 0; cluster.status !== "ready" && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      cluster = (await ok("postgres_clusters_get", c)).data;
    }
    expect(cluster.status).toBe("ready");
    expect(
      (await ok("postgres_clusters_list", { org_slug: "personal" })).data.map(
        (x: { name: string }) => x.name,
      ),
    ).toEqual(["e2e-db"]);
    expect((await ok("postgres_attachments_create", { ...c, app_name: APP })).data.app_name).toBe(APP);

    await ok("postgres_databases_create", { ...c, name: "orders" });
    expect((await ok("postgres_databases_list", c)).data).toEqual([{ name: "fly-db" }, { name: "orders" }]);
    const db = { ...c, database_name: "orders" };
    await ok("postgres_extensions_enable", { ...db, name: "citext" });
    const citext = (await ok("postgres_extensions_list", db)).data.find(
      (e: { name: string }) => e.name === "citext",
    );
    expect(citext.installed).toEqual({ schema: "public", version: "1.6" });
    await ok("postgres_extensions_disable", { ...db, extension_name: "citext" });

    const user = { ...c, username: "orders_app" };
    expect((await ok("postgres_users_create", { ...user, role: "writer" })).data).toEqual({
      username: "orders_app",
      role: "writer",
    });
    await ok("postgres_users_update_role", { ...user, role: "reader" });
    expect((await ok("postgres_users_list", c)).data).toContainEqual({
      username: "orders_app",
      role: "reader",
    });
    const creds = (await ok("postgres_users_credentials", user)).data;
    const rotated = (await ok("postgres_users_rotate_password", { ...user, kill_sessions: true })).data;
    expect(rotated.password).not.toBe(creds.password);
    const pooler = cluster.endpoints.primary.pooler;
    await ok("secrets_set_one", {
      app_name: APP,
      secret_name: "DATABASE_URL",
      value: `postgres://${rotated.username}:${rotated.password}@${pooler.host}:${pooler.port}/orders`,
    });

    expect(
      (await ok("postgres_queries_active", { ...c, database: "orders" })).data.map(
        (q: { application_name: string }) => q.application_name,
      ),
    ).toEqual(["pg-admin", APP]);
    expect((await ok("postgres_queries_slow", { ...c, range: 3600 })).data.length).toBeGreaterThan(0);

    // Backups, then a restore and a fork into new clusters.
    await ok("postgres_backups_create", { ...c, type: "full" });
    const backups = (await ok("postgres_backups_list", c)).data;
    expect(backups).toHaveLength(2);
    const restored = (
      await ok("postgres_clusters_restore", { ...c, backup_id: backups[0].id, name: "e2e-db-restored" })
    ).data;
    expect(restored).toMatchObject({ name: "e2e-db-restored", status: "creating" });
    const fork = (await ok("postgres_clusters_fork", { ...c, name: "e2e-db-fork" })).data;
    expect(fork.name).toBe("e2e-db-fork");

    // Teardown.
    await ok("postgres_users_delete", user);
    await ok("postgres_databases_delete", { ...c, database_name: "orders" });
    await ok("postgres_attachments_delete", { ...c, app_name: APP });
    await ok("postgres_clusters_delete", c);
    await sb.settle();
    expect((await ok("postgres_clusters_get", c)).data.status).toBe("deleted");
    expect(await fails("postgres_databases_list", c)).toContain("410");

    expect([...used].sort()).toEqual([...EXTRA].sort());
  });
});
