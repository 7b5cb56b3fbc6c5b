import { randomBytes } from "node:crypto";
import { attachVolume, checkConfig, checkRegion, mountedVolume } from "./config.js";
import { queryBool, queryInt, readBody } from "./decode.js";
import { badRequest, conflict, notFound, preconditionFailed } from "./errors.js";
import { machineId, machineName, ulid } from "./ids.js";
import { grantLease, requireLeaseNonce } from "./leases.js";
import { plans } from "./lifecycle.js";
import { requireApp, requireMachine } from "./lookup.js";
import { paginate } from "./paging.js";
import { RULES } from "./rate-limit.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import { createMachineSpec, type MachineConfig, type MachineRequest, updateMachineSpec } from "./schemas.js";
import { secretsForBoot } from "./secrets-propagation.js";
import { type AppRecord, MACHINE_STATES, type MachineRecord } from "./state.js";
import { machineView } from "./views.js";

export const DEFAULT_REGION = "iad";

/** States a machine may be destroyed from without `force=true`. */
const DESTROYABLE = new Set(["created", "stopped", "suspended", "failed"]);

function privateIp(app: AppRecord): string {
  const hex = () => randomBytes(2).toString("hex");
  return `fdaa:0:${(app.internalNumericId % 0xffff).toString(16)}:a7b:${hex()}:${hex()}:${hex()}:2`;
}

export interface NewMachine {
  config: MachineConfig;
  name?: string;
  region?: string;
  skipLaunch?: boolean;
}

/** Adds a machine to the app and starts its launch (used by the API and the seed). */
export function addMachine(deps: Deps, app: AppRecord, input: NewMachine): MachineRecord {
  const now = new Date().toISOString();
  const version = ulid();
  const machine: MachineRecord = {
    id: machineId(),
    name: input.name || machineName(),
    appName: app.name,
    region: input.region ?? DEFAULT_REGION,
    state: "created",
    config: input.config,
    version,
    versions: [{ version, config: input.config, createdAt: now }],
    events: [],
    privateIp: privateIp(app),
    createdAt: now,
    updatedAt: now,
    cordoned: false,
  };
  app.machines.set(machine.id, machine);
  deps.lifecycle.run(machine, plans.create(input.skipLaunch ?? false));
  return machine;
}

const listKey = (m: MachineRecord): string => `${m.createdAt}|${m.id}`;

export function registerMachines(router: SandboxRouter, deps: Deps): void {
  const { store, lifecycle } = deps;

  router.get("/v1/apps/:app_name/machines", guard(deps, "machines_list"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const includeDeleted = queryBool(c, "include_deleted") ?? false;
    const summary = queryBool(c, "summary") ?? false;
    const includeLease = queryBool(c, "include_leases") ?? false;
    const limit = queryInt(c, "limit", 1, 1000);
    const region = c.req.query("region");
    const states = (c.req.query("state") ?? "").split(",").filter(Boolean);
    for (const state of states) {
      if (!(MACHINE_STATES as readonly string[]).includes(state)) {
        throw badRequest(
          `invalid value for query parameter state: ${JSON.stringify(state)} is not a machine state`,
        );
      }
    }
    const metadata = [...new URL(c.req.url).searchParams].filter(([key]) => key.startsWith("metadata."));
    const machines = [...app.machines.values()].filter(
      (m) =>
        (includeDeleted || m.state !== "destroyed") &&
        (!region || m.region === region) &&
        (!states.length || states.includes(m.state)) &&
        metadata.every(([key, value]) => m.config.metadata?.[key.slice("metadata.".length)] === value),
    );
    const { page, next } = paginate(machines, listKey, limit, c.req.query("cursor"));
    if (next) c.header("fly-next-cursor", next);
    return c.json(page.map((m) => machineView(m, { summary, includeLease })));
  });

  router.post("/v1/apps/:app_name/machines", guard(deps, "machines_create"), async (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const body = await readBody<MachineRequest>(c, createMachineSpec);
    const config = checkConfig(body.config);
    if (body.region) checkRegion(body.region);
    if (body.lease_ttl !== undefined && body.lease_ttl < 1)
      throw badRequest("invalid lease_ttl: must be at least 1");
    const secrets = secretsForBoot(app, body.min_secrets_version);
    // Machine names are unique within an app while the machine exists.
    const taken =
      body.name && [...app.machines.values()].some((m) => m.name === body.name && m.state !== "destroyed");
    if (taken)
      throw conflict(`a machine named "${body.name}" already exists in app ${app.name}; choose another name`);
    const volume = mountedVolume(app, config, body.region, undefined);
    const machine = addMachine(deps, app, {
      config,
      name: body.name,
      region: body.region ?? volume?.region,
      skipLaunch: body.skip_launch,
    });
    machine.secrets = secrets;
    attachVolume(app, machine.id, volume);
    const lease = body.lease_ttl ? grantLease(machine, body.lease_ttl, c.get("token").user) : undefined;
    return c.json({ ...machineView(machine), ...(lease ? { nonce: lease.nonce } : {}) });
  });

  router.get(
    "/v1/apps/:app_name/machines/:machine_id",
    guard(deps, "machines_show", { rule: RULES.getMachine }),
    (c) => {
      const machine = requireMachine(store, c, { allowDestroyed: true });
      const version = c.req.query("version");
      if (version && !machine.versions.some((v) => v.version === version)) {
        throw notFound(`machine version not found: ${version}`);
      }
      return c.json(machineView(machine, { version, includeLease: queryBool(c, "include_leases") ?? false }));
    },
  );

  router.post("/v1/apps/:app_name/machines/:machine_id", guard(deps, "machines_update"), async (c) => {
    const machine = requireMachine(store, c);
    const app = requireApp(store, machine.appName);
    const body = await readBody<MachineRequest>(c, updateMachineSpec);
    requireLeaseNonce(c, machine);
    if (body.current_version !== undefined && body.current_version !== machine.version) {
      throw conflict(
        `machine ${machine.id} version mismatch: current_version ${body.current_version} is not the current version ${machine.version}`,
      );
    }
    if (machine.state === "destroying") throw preconditionFailed("machine is being destroyed");
    const config = checkConfig(body.config);
    if (body.region && body.region !== machine.region) {
      throw badRequest(`region cannot be changed by an update (machine is in ${machine.region})`);
    }
    if (body.name && body.name !== machine.name) throw badRequest("name cannot be changed by an update");
    const secrets = secretsForBoot(app, body.min_secrets_version);
    const volume = mountedVolume(app, config, machine.region, machine.id);
    attachVolume(app, machine.id, volume);
    const now = new Date().toISOString();
    machine.version = ulid();
    machine.config = config;
    machine.secrets = secrets;
    machine.versions.push({ version: machine.version, config, createdAt: now });
    lifecycle.run(machine, plans.update(!body.skip_launch));
    return c.json(machineView(machine));
  });

  router.delete("/v1/apps/:app_name/machines/:machine_id", guard(deps, "machines_delete"), (c) => {
    const machine = requireMachine(store, c);
    const force = queryBool(c, "force") ?? false;
    requireLeaseNonce(c, machine);
    if (machine.state === "destroying") return c.json({ ok: true });
    if (!force && !DESTROYABLE.has(machine.state)) {
      throw preconditionFailed(
        `unable to destroy machine, not currently stopped (state: ${machine.state}); stop it first or pass force=true`,
      );
    }
    lifecycle.run(machine, plans.destroy());
    return c.json({ ok: true });
  });
}
