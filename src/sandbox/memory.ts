import { readBody, t } from "./decode.js";
import { badRequest, preconditionFailed } from "./errors.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import type { MachineRecord } from "./state.js";
import { effectiveConfig } from "./views.js";

/** What the balloon device sees in a running VM, in MB. */
export interface MemoryRecord {
  /** The boot this state belongs to (the id of the event that started the machine). */
  boot: string;
  limitMb: number;
  /** Resident memory of the processes: never reclaimable. */
  rssMb: number;
  /** Page cache and free pages the guest can hand back. */
  cacheMb: number;
}

/** The balloon cannot squeeze a VM below this. */
const MIN_LIMIT_MB = 64;

const setSpec = t.object("main.setMemoryLimitRequest", { limit_mb: t.int });
const reclaimSpec = t.object("main.reclaimMemoryRequest", { amount_mb: t.int });

const guestMb = (m: MachineRecord): number => {
  const guest = effectiveConfig(m.config).guest!;
  return (guest.max_memory_mb as number | undefined) ?? guest.memory_mb ?? 256;
};

/** The running machine's balloon state; a new boot starts from the full guest memory. */
function memoryOf(machine: MachineRecord): MemoryRecord {
  if (machine.state !== "started") {
    throw preconditionFailed(
      `machine ${machine.id} is ${machine.state}: memory can only be read or changed while it runs`,
    );
  }
  const boot = [...machine.events].reverse().find((e) => e.status === "started")?.id ?? machine.version;
  if (machine.memory?.boot !== boot) {
    const total = effectiveConfig(machine.config).guest!.memory_mb ?? 256;
    machine.memory = {
      boot,
      limitMb: total,
      rssMb: Math.round(total * 0.3),
      cacheMb: Math.round(total * 0.25),
    };
  }
  return machine.memory;
}

const view = (m: MemoryRecord) => ({
  limit_mb: m.limitMb,
  available_mb: Math.max(0, m.limitMb - m.rssMb - m.cacheMb),
});

export function registerMemory(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/machines/:machine_id/memory";
  const machineOf = (c: SandboxContext) => requireMachine(deps.store, c);

  router.get(base, guard(deps, "machines_memory_show"), (c) => c.json(view(memoryOf(machineOf(c)))));

  router.put(base, guard(deps, "machines_memory_set"), async (c) => {
    const machine = machineOf(c);
    const body = await readBody<{ limit_mb?: number }>(c, setSpec);
    if (body.limit_mb === undefined) throw badRequest("limit_mb is required");
    const max = guestMb(machine);
    if (body.limit_mb < MIN_LIMIT_MB || body.limit_mb > max) {
      throw badRequest(
        `invalid limit_mb ${body.limit_mb}: must be between ${MIN_LIMIT_MB} and the guest's ${max} MB`,
      );
    }
    const memory = memoryOf(machine);
    memory.limitMb = body.limit_mb;
    // Squeezed below its working set, the guest drops cache first, then its processes lose memory.
    memory.cacheMb = Math.min(memory.cacheMb, Math.max(0, memory.limitMb - memory.rssMb));
    memory.rssMb = Math.min(memory.rssMb, memory.limitMb);
    return c.json(view(memory));
  });

  router.post(`${base}/reclaim`, guard(deps, "machines_memory_reclaim"), async (c) => {
    const machine = machineOf(c);
    const body = await readBody<{ amount_mb?: number }>(c, reclaimSpec);
    if (body.amount_mb === undefined) throw badRequest("amount_mb is required");
    if (body.amount_mb < 1) throw badRequest(`invalid amount_mb ${body.amount_mb}: must be at least 1`);
    const memory = memoryOf(machine);
    const actual = Math.min(body.amount_mb, memory.cacheMb);
    memory.cacheMb -= actual;
    return c.json({ actual_mb: actual });
  });
}
