import { notFound } from "./errors.js";
import type { SandboxContext } from "./router.js";
import type { AppRecord, MachineRecord, Store } from "./state.js";

export function requireApp(store: Store, name: string): AppRecord {
  const app = store.app(name);
  if (!app || (app.readyAt !== undefined && Date.now() < app.readyAt))
    throw notFound(`Could not find App "${name}"`);
  return app;
}

/** The machine named in the path; destroyed machines stay readable but take no actions. */
export function requireMachine(
  store: Store,
  c: SandboxContext,
  opts: { allowDestroyed?: boolean } = {},
): MachineRecord {
  const app = requireApp(store, c.req.param("app_name") ?? "");
  const id = c.req.param("machine_id") ?? "";
  const machine = app.machines.get(id);
  if (!machine || (!opts.allowDestroyed && machine.state === "destroyed")) {
    throw notFound(`machine not found: ${id}`);
  }
  return machine;
}
