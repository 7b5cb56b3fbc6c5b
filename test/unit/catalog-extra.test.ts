import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { allTools, coreTools, DEFAULT_TOOLSETS, selectTools, toolsets } from "../../src/tools/index.js";
import { type CatalogCase, expectCatalogCase, json } from "../support/catalog-cases.js";
import { createFlyMock } from "../support/fly-mock.js";
import { findOperation, listOperations } from "../support/openapi-spec.js";

const APP = "demo-app";
const M = "3d8d413b29d089";
const VOL = "vol_2n0l3vl60qpv635d";
const HOST = "www.example.com";
const PG = "pg4kz0qm1w7x";
const apps = `/v1/apps/${APP}`;
const machine = `${apps}/machines/${M}`;
const cert = `${apps}/certificates/${HOST}`;
const keys = `${apps}/secretkeys/signer`;
const pg = `/v1/postgres/${PG}`;
const noContent = () => new Response(null, { status: 204 });
const certDetail = {
  hostname: HOST,
  status: "active",
  configured: true,
  dns_requirements: { a: ["66.241.125.1"] },
};

const cases: CatalogCase[] = [
  // platform
  {
    tool: "platform_regions_list",
    args: {},
    method: "GET",
    path: "/v1/platform/regions",
    reply: () =>
      json({
        nearest: "iad",
        regions: [
          {
            code: "iad",
            name: "Ashburn, Virginia (US)",
            geo_region: "na",
            latitude: 39,
            longitude: -77,
            requires_paid_plan: false,
          },
        ],
      }),
    sees: ['"nearest":"iad"', '"code":"iad"', '"geo_region":"na"'],
    hidden: ["latitude"],
  },
  // org
  {
    tool: "org_machines_list",
    args: {
      org_slug: "personal",
      region: "iad",
      state: "started,stopped",
      updated_after: "2026-01-01T00:00:00Z",
      include_deleted: true,
      limit: 50,
      cursor: "c1",
    },
    method: "GET",
    path: "/v1/orgs/personal/machines",
    query: {
      region: "iad",
      state: "started,stopped",
      updated_after: "2026-01-01T00:00:00Z",
      include_deleted: "true",
      limit: "50",
      cursor: "c1",
    },
    reply: () =>
      json({
        machines: [
          {
            id: M,
            name: "web-1",
            app_name: APP,
            state: "started",
            region: "iad",
            private_ip: "fdaa::2",
            config: { image: "nginx:latest", metadata: { a: "b" } },
          },
        ],
        next_cursor: "c2",
      }),
    sees: [`"app_name":"${APP}"`, '"image":"nginx:latest"', '"next_cursor":"c2"'],
    hidden: ["private_ip", "metadata"],
  },
  {
    tool: "org_volumes_list",
    args: { org_slug: "personal", full: true },
    method: "GET",
    path: "/v1/orgs/personal/volumes",
    reply: () => json({ volumes: [{ id: VOL, app_name: APP, blocks: 99 }] }),
    sees: [`"id":"${VOL}"`, '"blocks":99'],
  },
  // certificates
  {
    tool: "certificates_list",
    args: { app_name: APP, filter: "example", limit: 10, cursor: "c1" },
    method: "GET",
    path: `${apps}/certificates`,
    query: { filter: "example", limit: "10", cursor: "c1" },
    reply: () =>
      json({
        certificates: [{ hostname: HOST, status: "active", configured: true, acme_alpn_configured: true }],
        next_cursor: "c2",
        total_count: 3,
      }),
    sees: [`"hostname":"${HOST}"`, '"total_count":3', '"next_cursor":"c2"'],
    hidden: ["acme_alpn_configured"],
  },
  {
    tool: "certificates_get",
    args: { app_name: APP, hostname: HOST },
    method: "GET",
    path: cert,
    reply: () => json(certDetail),
    sees: ['"dns_requirements"'],
  },
  {
    tool: "certificates_request_acme",
    args: { app_name: APP, hostname: HOST },
    method: "POST",
    path: `${apps}/certificates/acme`,
    body: { hostname: HOST },
    reply: () => json({ ...certDetail, status: "pending_validation" }, 201),
    sees: ['"status":"pending_validation"'],
  },
  {
    tool: "certificates_upload_custom",
    args: {
      app_name: APP,
      hostname: HOST,
      fullchain: "-----BEGIN CERTIFICATE-----\nMIIB\n",
      private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n",
    },
    method: "POST",
    path: `${apps}/certificates/custom`,
    body: {
      hostname: HOST,
      fullchain: "-----BEGIN CERTIFICATE-----\nMIIB\n",
      private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n",
    },
    reply: () => json(certDetail, 201),
    sees: ['"status":"active"'],
    hidden: ["PRIVATE KEY"],
  },
  {
    tool: "certificates_check",
    args: { app_name: APP, hostname: "*.example.com" },
    method: "POST",
    // fly-go escapes the wildcard with url.PathEscape.
    path: `${apps}/certificates/%2A.example.com/check`,
    reply: () => json({ ...certDetail, hostname: "*.example.com", dns_records: { a: ["66.241.125.1"] } }),
    sees: ['"dns_records"'],
  },
  {
    tool: "certificates_delete",
    args: { app_name: APP, hostname: HOST },
    method: "DELETE",
    path: cert,
    reply: noContent,
    sees: ['"ok":true', '"status":204'],
  },
  {
    tool: "certificates_delete_acme",
    args: { app_name: APP, hostname: HOST },
    method: "DELETE",
    path: `${cert}/acme`,
    reply: () => json(certDetail),
    sees: [`"hostname":"${HOST}"`],
  },
  {
    tool: "certificates_delete_custom",
    args: { app_name: APP, hostname: HOST },
    method: "DELETE",
    path: `${cert}/custom`,
    reply: () => json({ ...certDetail, warning: "falling back to the Fly certificate" }),
    sees: ['"warning"'],
  },
  // ips
  {
    tool: "ips_list",
    args: { app_name: APP },
    method: "GET",
    path: `${apps}/ip_assignments`,
    reply: () => json({ ips: [{ ip: "2a09:8280:1::1", region: "global", shared: false }] }),
    sees: ['"ip":"2a09:8280:1::1"'],
  },
  {
    tool: "ips_assign",
    args: { app_name: APP, type: "shared_v4", service_name: "web" },
    method: "POST",
    path: `${apps}/ip_assignments`,
    body: { type: "shared_v4", service_name: "web" },
    reply: () => json({ ip: "66.241.125.1", shared: true }),
    sees: ['"ip":"66.241.125.1"'],
  },
  {
    tool: "ips_release",
    args: { app_name: APP, ip: "2a09:8280:1::1" },
    method: "DELETE",
    path: `${apps}/ip_assignments/2a09:8280:1::1`,
    reply: noContent,
    sees: ['"ok":true'],
  },
  // metadata
  {
    tool: "machines_metadata_get",
    args: { app_name: APP, machine_id: M },
    method: "GET",
    path: `${machine}/metadata`,
    reply: () => json({ fly_process_group: "app" }),
    sees: ['"fly_process_group":"app"'],
  },
  {
    tool: "machines_metadata_update",
    args: { app_name: APP, machine_id: M, metadata: { role: "primary", old: "" }, machine_version: "01H3JK" },
    method: "PATCH",
    path: `${machine}/metadata`,
    body: { metadata: { role: "primary", old: "" }, machine_version: "01H3JK" },
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "machines_metadata_get_key",
    args: { app_name: APP, machine_id: M, key: "fly.role" },
    method: "GET",
    path: `${machine}/metadata/fly.role`,
    reply: () => json({ value: "primary" }),
    sees: ['"value":"primary"'],
  },
  {
    tool: "machines_metadata_set_key",
    args: { app_name: APP, machine_id: M, key: "role", value: "primary" },
    method: "POST",
    path: `${machine}/metadata/role`,
    body: { value: "primary" },
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "machines_metadata_delete_key",
    args: { app_name: APP, machine_id: M, key: "role" },
    method: "DELETE",
    path: `${machine}/metadata/role`,
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "machines_metadata_put",
    args: { app_name: APP, machine_id: M, metadata: { role: "replica" } },
    method: "PUT",
    path: `${machine}/metadata`,
    body: { metadata: { role: "replica" } },
    reply: noContent,
    sees: ['"ok":true'],
  },
  // memory
  {
    tool: "machines_memory_get",
    args: { app_name: APP, machine_id: M },
    method: "GET",
    path: `${machine}/memory`,
    reply: () => json({ limit_mb: 512, available_mb: 100 }),
    sees: ['"limit_mb":512'],
  },
  {
    tool: "machines_memory_set",
    args: { app_name: APP, machine_id: M, limit_mb: 384 },
    method: "PUT",
    path: `${machine}/memory`,
    body: { limit_mb: 384 },
    reply: () => json({ limit_mb: 384, available_mb: 40 }),
    sees: ['"limit_mb":384'],
  },
  {
    tool: "machines_memory_reclaim",
    args: { app_name: APP, machine_id: M, amount_mb: 64 },
    method: "POST",
    path: `${machine}/memory/reclaim`,
    body: { amount_mb: 64 },
    reply: () => json({ actual_mb: 60 }),
    sees: ['"actual_mb":60'],
  },
  // cordon
  {
    tool: "machines_cordon",
    args: { app_name: APP, machine_id: M, lease_nonce: "n0nce" },
    method: "POST",
    path: `${machine}/cordon`,
    headers: { "fly-machine-lease-nonce": "n0nce" },
    reply: () => new Response(null, { status: 200 }),
    sees: ['"ok":true'],
  },
  {
    tool: "machines_uncordon",
    args: { app_name: APP, machine_id: M },
    method: "POST",
    path: `${machine}/uncordon`,
    reply: () => json({ ok: true }),
    sees: ['"ok":true'],
  },
  // secrets
  {
    tool: "secrets_get",
    args: { app_name: APP, secret_name: "API_KEY", show_secrets: true },
    method: "GET",
    path: `${apps}/secrets/API_KEY`,
    query: { show_secrets: "true" },
    reply: () => json({ name: "API_KEY", digest: "d1", value: "shown-on-purpose" }),
    sees: ['"digest":"d1"', '"value":"shown-on-purpose"'],
  },
  {
    tool: "secrets_set_one",
    args: { app_name: APP, secret_name: "API_KEY", value: "s3cret-value" },
    method: "POST",
    path: `${apps}/secrets/API_KEY`,
    body: { value: "s3cret-value" },
    reply: () => json({ name: "API_KEY", digest: "d2", value: "s3cret-value", version: 7 }, 201),
    sees: ['"name":"API_KEY"', '"version":7'],
    hidden: ["s3cret-value"],
  },
  // secretkeys
  {
    tool: "secretkeys_list",
    args: { app_name: APP, types: "SECRET_TYPE_KMS_NACL_AUTH" },
    method: "GET",
    path: `${apps}/secretkeys`,
    query: { types: "SECRET_TYPE_KMS_NACL_AUTH" },
    reply: () => json({ secret_keys: [{ name: "signer", type: "SECRET_TYPE_KMS_NACL_AUTH" }] }),
    sees: ['"name":"signer"'],
  },
  {
    tool: "secretkeys_get",
    args: { app_name: APP, secret_name: "signer" },
    method: "GET",
    path: keys,
    reply: () => json({ name: "signer", public_key: [1, 2] }),
    sees: ['"public_key":[1,2]'],
  },
  {
    tool: "secretkeys_generate",
    args: { app_name: APP, secret_name: "signer", type: "SECRET_TYPE_KMS_NACL_AUTH" },
    method: "POST",
    path: `${keys}/generate`,
    body: { type: "SECRET_TYPE_KMS_NACL_AUTH" },
    reply: () => json({ name: "signer", type: "SECRET_TYPE_KMS_NACL_AUTH", version: 1 }, 201),
    sees: ['"version":1'],
  },
  {
    tool: "secretkeys_set",
    args: { app_name: APP, secret_name: "signer", type: "SECRET_TYPE_KMS_HS256", value: [7, 7, 7] },
    method: "POST",
    path: keys,
    body: { type: "SECRET_TYPE_KMS_HS256", value: [7, 7, 7] },
    reply: () => json({ name: "signer", type: "SECRET_TYPE_KMS_HS256", version: 2 }, 201),
    sees: ['"version":2'],
  },
  {
    tool: "secretkeys_delete",
    args: { app_name: APP, secret_name: "signer" },
    method: "DELETE",
    path: keys,
    reply: () => json({ version: 3 }),
    sees: ['"version":3'],
  },
  {
    tool: "secretkeys_encrypt",
    args: { app_name: APP, secret_name: "signer", plaintext: [104, 105], associated_data: [1] },
    method: "POST",
    path: `${keys}/encrypt`,
    body: { plaintext: [104, 105], associated_data: [1] },
    reply: () => json({ ciphertext: [9, 8, 7] }),
    sees: ['"ciphertext":[9,8,7]'],
  },
  {
    tool: "secretkeys_decrypt",
    args: { app_name: APP, secret_name: "signer", ciphertext: [9, 8, 7] },
    method: "POST",
    path: `${keys}/decrypt`,
    body: { ciphertext: [9, 8, 7] },
    reply: () => json({ plaintext: [104, 105] }),
    sees: ['"plaintext":[104,105]'],
  },
  {
    tool: "secretkeys_sign",
    args: { app_name: APP, secret_name: "signer", plaintext: [104, 105] },
    method: "POST",
    path: `${keys}/sign`,
    body: { plaintext: [104, 105] },
    reply: () => json({ signature: [5, 5] }),
    sees: ['"signature":[5,5]'],
  },
  {
    tool: "secretkeys_verify",
    args: { app_name: APP, secret_name: "signer", plaintext: [104, 105], signature: [5, 5] },
    method: "POST",
    path: `${keys}/verify`,
    body: { plaintext: [104, 105], signature: [5, 5] },
    reply: noContent,
    sees: ['"ok":true'],
  },
  // snapshots
  {
    tool: "volumes_snapshots_list",
    args: { app_name: APP, volume_id: VOL },
    method: "GET",
    path: `${apps}/volumes/${VOL}/snapshots`,
    reply: () => json([{ id: "vs_1", status: "created", size: 1024 }]),
    sees: ['"id":"vs_1"'],
  },
  {
    tool: "volumes_snapshots_create",
    args: { app_name: APP, volume_id: VOL },
    method: "POST",
    path: `${apps}/volumes/${VOL}/snapshots`,
    reply: () => new Response(null, { status: 200 }),
    sees: ['"ok":true'],
  },
  {
    tool: "volumes_update",
    args: { app_name: APP, volume_id: VOL, auto_backup_enabled: true, snapshot_retention: 14 },
    method: "PUT",
    path: `${apps}/volumes/${VOL}`,
    body: { auto_backup_enabled: true, snapshot_retention: 14 },
    reply: () => json({ id: VOL, snapshot_retention: 14 }),
    sees: ['"snapshot_retention":14'],
  },
  // placements
  {
    tool: "platform_placements_simulate",
    args: {
      org_slug: "personal",
      region: "lhr,eu",
      count: 2,
      compute: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
    },
    method: "POST",
    path: "/v1/platform/placements",
    body: {
      org_slug: "personal",
      region: "lhr,eu",
      count: 2,
      compute: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
    },
    reply: () => json({ regions: [{ region: "lhr", count: 2, concurrency: 10 }] }),
    sees: ['"region":"lhr"'],
  },
  // tokens
  {
    tool: "tokens_current",
    args: {},
    method: "GET",
    path: "/v1/tokens/current",
    reply: () => json({ tokens: [{ org_slug: "personal", apps: [APP] }] }),
    sees: ['"org_slug":"personal"'],
  },
  {
    tool: "tokens_create_deploy",
    args: { app_name: APP, expiry: "720h" },
    method: "POST",
    path: `${apps}/deploy_token`,
    body: { expiry: "720h" },
    reply: () => json({ token: "FlyV1 fm2_deploy" }),
    sees: ['"token":"FlyV1 fm2_deploy"'],
  },
  {
    tool: "tokens_request_kms",
    args: {},
    method: "POST",
    path: "/v1/tokens/kms",
    reply: () => new Response("petsem-token-value\n", { headers: { "content-type": "text/plain" } }),
    sees: ['"token":"petsem-token-value"'],
  },
  {
    tool: "tokens_authenticate",
    args: { header: "FlyV1 fm2_other" },
    method: "POST",
    path: "/v1/tokens/authenticate",
    body: { header: "FlyV1 fm2_other" },
    reply: () => json([{ header: "FlyV1 fm2_other", caveats: {} }]),
    sees: ['"caveats"'],
  },
  {
    tool: "tokens_authorize",
    args: { header: "FlyV1 fm2_other", access: { app_name: APP, action: 1 } },
    method: "POST",
    path: "/v1/tokens/authorize",
    body: { header: "FlyV1 fm2_other", access: { app_name: APP, action: 1 } },
    reply: () => json({ access: {}, verified_token: {} }),
    sees: ['"verified_token"'],
  },
  // postgres: clusters, attachments, backups
  {
    tool: "postgres_clusters_list",
    args: { org_slug: "personal", include_deleted: true },
    method: "GET",
    path: "/v1/postgres",
    query: { org_slug: "personal", include_deleted: "true" },
    reply: () => json({ data: [{ id: PG, name: "db", status: "ready" }] }),
    sees: [`"id":"${PG}"`],
  },
  {
    tool: "postgres_clusters_create",
    args: {
      org_slug: "personal",
      plan: "basic",
      region: "iad",
      name: "db",
      disk_size_gb: 10,
      pg_major_version: "17",
      pool_mode: "transaction",
      postgis_enabled: false,
    },
    method: "POST",
    path: "/v1/postgres",
    body: {
      org_slug: "personal",
      plan: "basic",
      region: "iad",
      name: "db",
      disk_size_gb: 10,
      pg_major_version: "17",
      pool_mode: "transaction",
      postgis_enabled: false,
    },
    reply: () => json({ data: { id: PG, status: "creating" } }, 201),
    sees: ['"status":"creating"'],
  },
  {
    tool: "postgres_clusters_get",
    args: { postgres_cluster_id: PG },
    method: "GET",
    path: pg,
    reply: () => json({ data: { id: PG, status: "ready", cpus: 2 } }),
    sees: ['"cpus":2'],
  },
  {
    tool: "postgres_clusters_delete",
    args: { postgres_cluster_id: PG },
    method: "DELETE",
    path: pg,
    reply: () => new Response(null, { status: 202 }),
    sees: ['"ok":true', '"status":202'],
  },
  {
    tool: "postgres_clusters_fork",
    args: { postgres_cluster_id: PG, name: "db-copy" },
    method: "POST",
    path: `${pg}/fork`,
    body: { name: "db-copy" },
    reply: () => json({ data: { id: "pgfork1", name: "db-copy", status: "creating" } }, 201),
    sees: ['"name":"db-copy"'],
  },
  {
    tool: "postgres_clusters_restore",
    args: { postgres_cluster_id: PG, pitr_time: "2026-01-02T03:04:05Z" },
    method: "POST",
    path: `${pg}/restore`,
    body: { pitr_time: "2026-01-02T03:04:05Z" },
    reply: () => json({ data: { id: "pgrest1", status: "creating" } }, 201),
    sees: ['"id":"pgrest1"'],
  },
  {
    tool: "postgres_attachments_create",
    args: { postgres_cluster_id: PG, app_name: APP },
    method: "POST",
    path: `${pg}/attachments`,
    body: { app_name: APP },
    reply: () => json({ data: { app_name: APP, postgres_cluster_id: PG } }, 201),
    sees: [`"app_name":"${APP}"`],
  },
  {
    tool: "postgres_attachments_delete",
    args: { postgres_cluster_id: PG, app_name: APP },
    method: "DELETE",
    path: `${pg}/attachments/${APP}`,
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "postgres_backups_list",
    args: { postgres_cluster_id: PG },
    method: "GET",
    path: `${pg}/backups`,
    reply: () => json({ data: [{ id: "b1", type: "full", status: "completed" }] }),
    sees: ['"id":"b1"'],
  },
  {
    tool: "postgres_backups_create",
    args: { postgres_cluster_id: PG, type: "full" },
    method: "POST",
    path: `${pg}/backups`,
    body: { type: "full" },
    reply: () => new Response(null, { status: 202 }),
    sees: ['"ok":true', '"status":202'],
  },
  // postgres: databases, extensions, queries
  {
    tool: "postgres_databases_list",
    args: { postgres_cluster_id: PG },
    method: "GET",
    path: `${pg}/databases`,
    reply: () => json({ data: [{ name: "app" }] }),
    sees: ['"name":"app"'],
  },
  {
    tool: "postgres_databases_create",
    args: { postgres_cluster_id: PG, name: "customer_data" },
    method: "POST",
    path: `${pg}/databases`,
    body: { name: "customer_data" },
    reply: () => json({ data: { name: "customer_data" } }, 201),
    sees: ['"name":"customer_data"'],
  },
  {
    tool: "postgres_databases_delete",
    args: { postgres_cluster_id: PG, database_name: "customer_data" },
    method: "DELETE",
    path: `${pg}/databases/customer_data`,
    reply: () => json({ data: { name: "customer_data" } }),
    sees: ['"name":"customer_data"'],
  },
  {
    tool: "postgres_extensions_list",
    args: { postgres_cluster_id: PG, database_name: "app" },
    method: "GET",
    path: `${pg}/databases/app/extensions`,
    reply: () => json({ data: [{ name: "citext", installed: null }] }),
    sees: ['"name":"citext"'],
  },
  {
    tool: "postgres_extensions_enable",
    args: {
      postgres_cluster_id: PG,
      database_name: "app",
      name: "citext",
      schema: "ext",
      create_schema: true,
    },
    method: "POST",
    path: `${pg}/databases/app/extensions`,
    body: { name: "citext", schema: "ext", create_schema: true },
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "postgres_extensions_disable",
    args: { postgres_cluster_id: PG, database_name: "app", extension_name: "uuid-ossp", force: true },
    method: "DELETE",
    path: `${pg}/databases/app/extensions/uuid-ossp`,
    query: { force: "true" },
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "postgres_queries_active",
    args: { postgres_cluster_id: PG, database: "app" },
    method: "GET",
    path: `${pg}/queries/active`,
    query: { database: "app" },
    reply: () => json({ data: [{ pid: 42, query: "select 1", duration_seconds: 0.5 }] }),
    sees: ['"pid":42'],
  },
  {
    tool: "postgres_queries_slow",
    args: { postgres_cluster_id: PG, range: 600 },
    method: "GET",
    path: `${pg}/queries/slow`,
    query: { range: "600" },
    reply: () => json({ data: [{ query: "select * from t", calls: 9 }] }),
    sees: ['"calls":9'],
  },
  // postgres: users
  {
    tool: "postgres_users_list",
    args: { postgres_cluster_id: PG },
    method: "GET",
    path: `${pg}/users`,
    reply: () => json({ data: [{ username: "app_user", role: "writer" }] }),
    sees: ['"role":"writer"'],
  },
  {
    tool: "postgres_users_create",
    args: { postgres_cluster_id: PG, username: "app_user", role: "writer" },
    method: "POST",
    path: `${pg}/users`,
    body: { username: "app_user", role: "writer" },
    reply: () => json({ data: { username: "app_user", role: "writer" } }, 201),
    sees: ['"username":"app_user"'],
  },
  {
    tool: "postgres_users_update_role",
    args: { postgres_cluster_id: PG, username: "app_user", role: "reader" },
    method: "PATCH",
    path: `${pg}/users/app_user`,
    body: { role: "reader" },
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "postgres_users_delete",
    args: { postgres_cluster_id: PG, username: "app_user" },
    method: "DELETE",
    path: `${pg}/users/app_user`,
    reply: noContent,
    sees: ['"ok":true'],
  },
  {
    tool: "postgres_users_credentials",
    args: { postgres_cluster_id: PG, username: "app_user" },
    method: "GET",
    path: `${pg}/users/app_user/credentials`,
    reply: () => json({ data: { username: "app_user", password: "pw-1" } }),
    sees: ['"password":"pw-1"'],
  },
  {
    tool: "postgres_users_rotate_password",
    args: { postgres_cluster_id: PG, username: "app_user", kill_sessions: true },
    method: "POST",
    path: `${pg}/users/app_user/rotate_password`,
    body: { kill_sessions: true },
    reply: () => json({ data: { username: "app_user", password: "pw-2" } }),
    sees: ['"password":"pw-2"'],
  },
];

const fly = createFlyMock();
beforeAll(() => fly.start());
afterEach(() => fly.reset());
afterAll(() => fly.stop());

const core = new Set(coreTools.map((t) => t.name));
const extraTools = allTools.filter((t) => !core.has(t.name));

describe("the tools beyond core", () => {
  it("have a case below for every one of them", () => {
    expect(cases.map((c) => c.tool).sort()).toEqual(extraTools.map((t) => t.name).sort());
    expect(extraTools).toHaveLength(69);
  });

  it.each(cases)("$tool sends exactly what Fly expects and shows the agent the result", (c) =>
    expectCatalogCase(fly, c, allTools),
  );
});

describe("the whole catalog", () => {
  it("has one tool per operation of Fly's spec, each operation exactly once", () => {
    expect(allTools).toHaveLength(100);
    expect(new Set(allTools.map((t) => t.name)).size).toBe(100);
    const covered = allTools.map((t) => {
      const op = findOperation(t.method, `/v1${t.path.replace(/\{(\w+)\}/g, "x1")}`);
      expect(op, `${t.name}: ${t.method} ${t.path}`).toBeDefined();
      // The tool's template is the operation's: same literal segments, same parameter names.
      expect(`/v1${t.path}`, t.name).toBe(op!.pathTemplate);
      return op!.operationId;
    });
    expect(covered.sort()).toEqual(
      listOperations()
        .map((o) => o.operationId)
        .sort(),
    );
  });

  it("keeps core as it was and groups every other tool in a named toolset", () => {
    expect(coreTools).toHaveLength(31);
    expect(coreTools.every((t) => t.toolset === "core")).toBe(true);
    expect(extraTools.some((t) => t.toolset === "core")).toBe(false);
    expect(toolsets()).toEqual(expect.arrayContaining(["core", "certificates", "postgres"]));
  });
});

describe("toolset selection", () => {
  it.each([[["core"]], [["certificates"]], [["postgres", "ips"]], [["core", "platform", "secretkeys"]]])(
    "%j returns exactly the tools of those groups",
    (names) => {
      const picked = selectTools(names);
      expect(new Set(picked.map((t) => t.toolset))).toEqual(new Set(names));
      expect(picked.map((t) => t.name).sort()).toEqual(
        allTools
          .filter((t) => names.includes(t.toolset))
          .map((t) => t.name)
          .sort(),
      );
    },
  );

  it("returns every tool for all and none for an unknown group", () => {
    expect(selectTools("all")).toHaveLength(100);
    expect(selectTools(["nope"])).toEqual([]);
  });

  it("defaults to core plus read-only groups", () => {
    expect(DEFAULT_TOOLSETS).toContain("core");
    const extra = selectTools(DEFAULT_TOOLSETS).filter((t) => t.toolset !== "core");
    expect(extra.length).toBeGreaterThan(0);
    for (const t of extra) expect(t.access, t.name).toBe("read");
  });
});
