import { readBody, t } from "./decode.js";
import { badRequest, notFound, preconditionFailed } from "./errors.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import type { MachineRecord } from "./state.js";

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const MAX_VALUE = 4096;

const updateSpec = t.object("updateMetadataRequest", {
  machine_version: t.string,
  // Null removes a key, as an empty string does.
  metadata: t.map(t.nullable(t.string)),
  updated_at: t.string,
});
const upsertSpec = t.object("upsertMetadataKeyRequest", { updated_at: t.string, value: t.string });

function checkKey(key: string): void {
  if (!KEY.test(key) || key.includes("..")) {
    throw badRequest(`invalid metadata key ${JSON.stringify(key)}: use letters, digits, _ . - (up to 128)`);
  }
}

function checkValue(key: string, value: string): void {
  if (value.length > MAX_VALUE)
    throw badRequest(`metadata value for ${key} is longer than ${MAX_VALUE} characters`);
}

/**
 * Metadata lives in the machine config but changes without a new version or a restart. The current
 * version's stored config is updated too, so `?version=` reads agree.
 */
function write(machine: MachineRecord, change: (metadata: Record<string, string>) => void): void {
  const metadata = { ...(machine.config.metadata ?? {}) };
  change(metadata);
  machine.config = { ...machine.config, metadata };
  const current = machine.versions.find((v) => v.version === machine.version);
  if (current) current.config = machine.config;
  machine.updatedAt = new Date().toISOString();
}

export function registerMetadata(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/machines/:machine_id/metadata";
  const machineOf = (c: SandboxContext) => requireMachine(deps.store, c);

  router.get(base, guard(deps, "machines_metadata_show"), (c) => c.json(machineOf(c).config.metadata ?? {}));

  const update = async (c: SandboxContext) => {
    const machine = machineOf(c);
    const body = await readBody<{ machine_version?: string; metadata?: Record<string, string | null> }>(
      c,
      updateSpec,
    );
    if (body.machine_version !== undefined && body.machine_version !== machine.version) {
      throw preconditionFailed(
        `machine ${machine.id} is at version ${machine.version}, not machine_version ${body.machine_version}`,
      );
    }
    const entries = Object.entries(body.metadata ?? {});
    for (const [key, value] of entries) {
      checkKey(key);
      if (value) checkValue(key, value);
    }
    write(machine, (metadata) => {
      for (const [key, value] of entries) {
        if (value) metadata[key] = value;
        else delete metadata[key];
      }
    });
    return c.body(null, 204);
  };
  router.patch(base, guard(deps, "machines_metadata_update"), update);
  // Deprecated alias: merges like PATCH, despite the method.
  router.put(base, guard(deps, "machines_metadata_update"), update);

  router.get(`${base}/:key`, guard(deps, "machines_metadata_get"), (c) => {
    const key = c.req.param("key");
    const value = machineOf(c).config.metadata?.[key];
    if (value === undefined) throw notFound(`metadata key not found: ${key}`);
    return c.json({ value });
  });

  router.post(`${base}/:key`, guard(deps, "machines_metadata_upsert"), async (c) => {
    const machine = machineOf(c);
    const key = c.req.param("key");
    checkKey(key);
    const body = await readBody<{ value?: string }>(c, upsertSpec);
    if (!body.value) throw badRequest("value is required (to remove a key, DELETE it)");
    checkValue(key, body.value);
    write(machine, (metadata) => {
      metadata[key] = body.value!;
    });
    return c.body(null, 204);
  });

  router.delete(`${base}/:key`, guard(deps, "machines_metadata_delete"), (c) => {
    const machine = machineOf(c);
    const key = c.req.param("key");
    if (machine.config.metadata?.[key] === undefined) throw notFound(`metadata key not found: ${key}`);
    write(machine, (metadata) => {
      delete metadata[key];
    });
    return c.body(null, 204);
  });
}
