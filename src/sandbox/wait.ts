import { queryInt } from "./decode.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import type { MachineRecord } from "./state.js";

const WAIT_STATES = ["started", "stopped", "suspended", "destroyed", "failed", "settled"] as const;
/** States a machine rests in; `settled` waits for any of them. */
const SETTLED = new Set(["created", "started", "stopped", "suspended", "destroyed", "failed", "replaced"]);

function matches(state: string, targets: string[]): boolean {
  return targets.some(
    (t) =>
      t === state || (t === "settled" && SETTLED.has(state)) || (t === "stopped" && state === "replaced"),
  );
}

/** GET .../wait blocks until the machine reaches one of the states, or answers 408 after `timeout` s. */
export function registerWait(router: SandboxRouter, deps: Deps): void {
  router.get("/v1/apps/:app_name/machines/:machine_id/wait", guard(deps, "machines_wait"), async (c) => {
    const machine = requireMachine(deps.store, c, { allowDestroyed: true });
    const targets = (c.req.queries("state") ?? ["started"]).flatMap((s) => s.split(",")).filter(Boolean);
    if (!targets.length) targets.push("started");
    for (const state of targets) {
      if (!(WAIT_STATES as readonly string[]).includes(state)) {
        throw badRequest(
          `invalid value for query parameter state: ${JSON.stringify(state)} (expected one of ${WAIT_STATES.join(", ")})`,
        );
      }
    }
    const timeout = queryInt(c, "timeout", 1, 60) ?? 60;
    const version = c.req.query("version") || c.req.query("instance_id") || undefined;
    if (version && !machine.versions.some((v) => v.version === version)) {
      throw notFound(`machine version not found: ${version}`);
    }
    const fromEventId = c.req.query("from_event_id") || undefined;
    if (fromEventId && !machine.events.some((e) => e.id === fromEventId)) {
      throw badRequest(`invalid from_event_id: no event ${fromEventId} on machine ${machine.id}`);
    }

    const current = (m: MachineRecord): string => (version && version !== m.version ? "replaced" : m.state);
    const reached = (m: MachineRecord): boolean => {
      if (!fromEventId) return matches(current(m), targets);
      const after = m.events.slice(m.events.findIndex((e) => e.id === fromEventId) + 1);
      return after.some((e) => matches(e.status, targets));
    };

    const ok =
      reached(machine) ||
      (await new Promise<boolean>((resolve) => {
        // The caller hanging up or a reset of the sandbox ends the wait early.
        const signals = [c.req.raw.signal, deps.store.cleared].filter((s): s is AbortSignal => Boolean(s));
        const done = (result: boolean) => {
          stop();
          clearTimeout(timer);
          for (const s of signals) s.removeEventListener("abort", onAbort);
          resolve(result);
        };
        const onAbort = () => done(false);
        const stop = deps.store.watch(machine.id, (m) => {
          if (reached(m)) done(true);
        });
        const timer = setTimeout(() => done(false), timeout * 1000);
        for (const s of signals) s.addEventListener("abort", onAbort);
      }));
    if (!ok) {
      throw new ApiError(
        408,
        `deadline_exceeded: machine ${machine.id} did not reach state ${targets.join(" or ")} within ${timeout}s (current state: ${current(machine)})`,
      );
    }
    return c.json({
      ok: true,
      state: current(machine),
      version: version ?? machine.version,
      event_id: machine.events[machine.events.length - 1]?.id ?? "",
    });
  });
}
