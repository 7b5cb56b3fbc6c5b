/**
 * A local emulation of the Fly.io Machines API (https://api.machines.dev/v1), served two ways from
 * one Hono app: in-process through `createSandbox().fetch` (hand it to the Fly client as `fetch`),
 * and over real HTTP with `startSandboxServer`. All routes live under `/v1`.
 *
 * Covered: apps, machines (CRUD, start/stop/restart/suspend/signal/cordon, wait, exec, ps, events,
 * versions), leases, volumes, secrets, tokens (oidc, current, authorize).
 *
 * Tokens: any non-empty `Authorization: Bearer <t>` or `FlyV1 <t>` is accepted; the text picks the scope:
 *   sandbox                org token for `personal` (anything unrecognised counts as this)
 *   sandbox-readonly       reads only; writes answer 403
 *   sandbox-deploy:<app>   only <app>; cannot create apps
 *   sandbox-exec:<app>     reads and exec on <app>
 *   sandbox-invalid        401 "Authenticate: token validation error" (as does a missing header)
 *
 * Status codes where Fly's docs are silent: a machine in the wrong state for an action (exec, ps or
 * start on a stopped machine, destroy without force) answers 412 `failed_precondition: ...`, as
 * flyd's gRPC errors do; deleting an app with running machines and deleting an attached volume answer
 * 409; a held lease refuses writes without its nonce with 409; a scope the token lacks answers 403.
 *
 * State: org `personal` always exists. With `seed` (default): app `demo-app`, machines `demo-web`
 * (started) and `demo-worker` (stopped), image `flyio/hellofly:latest`, secret `DATABASE_URL`.
 */
export type { FaultKind, SandboxOptions } from "./options.js";
export { createSandbox, type Sandbox } from "./sandbox.js";
export { type SandboxServer, startSandboxServer } from "./server.js";
export type { AppRecord, MachineRecord, MachineState, Store, VolumeRecord } from "./state.js";
