/**
 * A local emulation of the Fly.io Machines API (https://api.machines.dev/v1), served two ways from
 * one Hono app: in-process through `createSandbox().fetch` (hand it to the Fly client as `fetch`),
 * and over real HTTP with `startSandboxServer`. All routes live under `/v1`.
 *
 * Covered: every operation of Fly's OpenAPI document. Apps, machines (CRUD, start/stop/restart/
 * suspend/signal/cordon, wait, exec, ps, events, versions, metadata, memory), leases, volumes (with
 * snapshots), secrets and secret keys (real crypto), TLS certificates, IP assignments, org-wide lists,
 * platform regions and placements, tokens (oidc, kms, deploy, current, authenticate, authorize) and
 * Managed Postgres (clusters, attachments, backups, fork, restore, databases, extensions, users, queries).
 *
 * Tokens: any non-empty `Authorization: Bearer <t>` or `FlyV1 <t>` is accepted; the text picks the scope:
 *   sandbox                org token for `personal` (anything unrecognised counts as this)
 *   sandbox-readonly       reads only; writes answer 403
 *   sandbox-deploy:<app>   only <app>; cannot create apps, mint tokens or manage Postgres
 *   sandbox-exec:<app>     reads and exec on <app>
 *   sandbox-kms[:<app>]    secret-key reads and crypto only (what POST /tokens/kms mints)
 *   sandbox-invalid        401 "Authenticate: token validation error" (as does a missing header)
 *
 * Status codes where Fly's docs are silent: a machine in the wrong state for an action (exec, ps or
 * start on a stopped machine, destroy without force, memory of a machine not running) answers 412
 * `failed_precondition: ...`, as flyd's gRPC errors do; deleting an app with running machines and
 * deleting an attached volume answer 409; a held lease refuses writes without its nonce with 409; a
 * scope the token lacks answers 403; a duplicate Postgres database 409; a second shared_v4 returns
 * the app's existing one (200).
 *
 * State: org `personal` always exists. With `seed` (default): app `demo-app`, machines `demo-web`
 * (started) and `demo-worker` (stopped), image `flyio/hellofly:latest`, secret `DATABASE_URL`.
 */
export type { FaultKind, SandboxOptions } from "./options.js";
export { createSandbox, type Sandbox } from "./sandbox.js";
export { type SandboxServer, startSandboxServer } from "./server.js";
export type { AppRecord, MachineRecord, MachineState, Store, VolumeRecord } from "./state.js";
