import { readBody } from "./decode.js";
import { ApiError, badRequest, conflict, notFound } from "./errors.js";
import { leaseNonce, ulid } from "./ids.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import { leaseSpec } from "./schemas.js";
import type { LeaseRecord, MachineRecord } from "./state.js";

export const NONCE_HEADER = "fly-machine-lease-nonce";
const DEFAULT_TTL_S = 30;

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The machine's lease if it has not expired; an expired one is dropped. */
export function activeLease(machine: MachineRecord): LeaseRecord | undefined {
  if (machine.lease && machine.lease.expiresAt <= nowSeconds()) machine.lease = undefined;
  return machine.lease;
}

const heldBy = (machine: MachineRecord, lease: LeaseRecord): string =>
  `machine ID ${machine.id} lease currently held by ${lease.owner}, expires at ${new Date(
    lease.expiresAt * 1000,
  )
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " +0000 UTC")}`;

/**
 * Writes to a leased machine must carry the lease nonce (update, start, stop, restart, suspend,
 * signal, destroy: the calls Fly's own client sends it on, plus signal). Exec is not gated, as on Fly.
 */
export function requireLeaseNonce(c: SandboxContext, machine: MachineRecord): void {
  const lease = activeLease(machine);
  if (!lease) return;
  const nonce = c.req.header(NONCE_HEADER);
  if (nonce === lease.nonce) return;
  const why = nonce
    ? `the ${NONCE_HEADER} header does not match`
    : `send its nonce in the ${NONCE_HEADER} header`;
  throw conflict(`${heldBy(machine, lease)}; ${why}`);
}

export function grantLease(
  machine: MachineRecord,
  ttl: number,
  owner: string,
  description = "",
): LeaseRecord {
  const lease = { nonce: leaseNonce(), owner, description, expiresAt: nowSeconds() + ttl, version: ulid() };
  machine.lease = lease;
  return lease;
}

const envelope = (lease: LeaseRecord) => ({
  status: "success",
  data: {
    nonce: lease.nonce,
    expires_at: lease.expiresAt,
    owner: lease.owner,
    description: lease.description,
    version: lease.version,
  },
});

export function registerLeases(router: SandboxRouter, deps: Deps): void {
  const path = "/v1/apps/:app_name/machines/:machine_id/lease";

  router.post(path, guard(deps, "machines_lease_acquire"), async (c) => {
    const machine = requireMachine(deps.store, c);
    const body = await readBody<{ ttl?: number; description?: string }>(c, leaseSpec, true);
    if (body.ttl !== undefined && body.ttl < 1) throw badRequest("invalid ttl: must be at least 1 second");
    const ttl = body.ttl ?? DEFAULT_TTL_S;
    const lease = activeLease(machine);
    const nonce = c.req.header(NONCE_HEADER);
    if (lease) {
      if (nonce !== lease.nonce) throw conflict(heldBy(machine, lease));
      lease.expiresAt = nowSeconds() + ttl;
      if (body.description !== undefined) lease.description = body.description;
      lease.version = ulid();
      return c.json(envelope(lease), 201);
    }
    return c.json(envelope(grantLease(machine, ttl, c.get("token").user, body.description)), 201);
  });

  router.get(path, guard(deps, "machines_lease_show"), (c) => {
    const machine = requireMachine(deps.store, c);
    const lease = activeLease(machine);
    if (!lease) throw notFound(`no active lease on machine ${machine.id}`);
    return c.json(envelope(lease));
  });

  router.delete(path, guard(deps, "machines_lease_release"), (c) => {
    const machine = requireMachine(deps.store, c);
    const nonce = c.req.header(NONCE_HEADER);
    if (!nonce) throw badRequest(`the ${NONCE_HEADER} header is required to release a lease`);
    const lease = activeLease(machine);
    if (!lease) throw notFound(`no active lease on machine ${machine.id}`);
    if (nonce !== lease.nonce) {
      throw new ApiError(409, `${heldBy(machine, lease)}; the ${NONCE_HEADER} header does not match`);
    }
    machine.lease = undefined;
    return c.json({ status: "success", data: { ok: true } });
  });
}
