import { isGoDuration, queryEnum, readBody } from "./decode.js";
import { badRequest, preconditionFailed } from "./errors.js";
import { requireLeaseNonce } from "./leases.js";
import { plans } from "./lifecycle.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import { SIGNALS, STOP_SIGNALS, signalSpec, stopSpec } from "./schemas.js";
import type { MachineRecord, MachineState } from "./state.js";

/** Signals that end the main process; the machine then exits and stops. */
const TERMINATING = new Set(["SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT"]);

function requireState(machine: MachineRecord, action: string, allowed: MachineState[]): void {
  if (!allowed.includes(machine.state)) {
    throw preconditionFailed(`unable to ${action} machine from current state: '${machine.state}'`);
  }
}

function writable(deps: Deps, c: SandboxContext): MachineRecord {
  const machine = requireMachine(deps.store, c);
  requireLeaseNonce(c, machine);
  return machine;
}

export function registerMachineControl(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/machines/:machine_id";
  const { lifecycle } = deps;

  router.post(`${base}/start`, guard(deps, "machines_start"), (c) => {
    const machine = writable(deps, c);
    const previous = machine.state;
    requireState(machine, "start", ["created", "stopped", "suspended", "failed"]);
    lifecycle.run(machine, plans.start());
    return c.json({ previous_state: previous });
  });

  router.post(`${base}/stop`, guard(deps, "machines_stop"), async (c) => {
    const body = await readBody<{ signal?: string; timeout?: string }>(c, stopSpec, true);
    if (body.signal !== undefined && !(STOP_SIGNALS as readonly string[]).includes(body.signal)) {
      throw badRequest(
        `invalid signal ${JSON.stringify(body.signal)}: expected one of ${STOP_SIGNALS.join(", ")}`,
      );
    }
    if (body.timeout !== undefined && !isGoDuration(body.timeout)) {
      throw badRequest(`invalid timeout ${JSON.stringify(body.timeout)}: expected a duration such as "10s"`);
    }
    const machine = writable(deps, c);
    requireState(machine, "stop", ["started", "starting", "suspended"]);
    lifecycle.run(machine, plans.stop(body.signal));
    return c.json({ ok: true });
  });

  router.post(`${base}/restart`, guard(deps, "machines_restart"), (c) => {
    queryEnum(c, "signal", STOP_SIGNALS);
    const timeout = c.req.query("timeout");
    if (timeout && !isGoDuration(timeout) && !/^\d+$/.test(timeout)) {
      throw badRequest(
        `invalid value for query parameter timeout: ${JSON.stringify(timeout)} (a duration like "10s" or seconds)`,
      );
    }
    const machine = writable(deps, c);
    requireState(machine, "restart", ["started"]);
    lifecycle.run(machine, plans.restart());
    return c.json({ ok: true });
  });

  router.post(`${base}/suspend`, guard(deps, "machines_suspend"), (c) => {
    const machine = writable(deps, c);
    requireState(machine, "suspend", ["started"]);
    lifecycle.run(machine, plans.suspend());
    return c.json({ ok: true });
  });

  router.post(`${base}/signal`, guard(deps, "machines_signal"), async (c) => {
    const body = await readBody<{ signal?: string }>(c, signalSpec);
    if (!body.signal) throw badRequest("signal is required");
    if (!(SIGNALS as readonly string[]).includes(body.signal)) {
      throw badRequest(
        `invalid signal ${JSON.stringify(body.signal)}: expected one of ${SIGNALS.join(", ")}`,
      );
    }
    const machine = writable(deps, c);
    requireState(machine, "signal", ["started"]);
    if (TERMINATING.has(body.signal)) lifecycle.run(machine, plans.exit(body.signal), true);
    return c.json({ ok: true });
  });

  for (const [action, cordoned] of [
    ["cordon", true],
    ["uncordon", false],
  ] as const) {
    router.post(`${base}/${action}`, guard(deps, `machines_${action}`), (c) => {
      const machine = writable(deps, c);
      machine.cordoned = cordoned;
      return c.json({ ok: true });
    });
  }
}
