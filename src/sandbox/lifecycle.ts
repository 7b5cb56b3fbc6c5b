import { ulid } from "./ids.js";
import type { MachineEvent, MachineRecord, MachineState, Store } from "./state.js";

export interface Step {
  state: MachineState;
  type: string;
  source: "user" | "flyd";
  request?: Record<string, unknown>;
}

/**
 * Drives machines through their states. The first step of an action applies at once (it is what the
 * API call answers with); each later step takes `transitionMs`. With 0 every step applies at once.
 */
export class Lifecycle {
  private pending = new Set<MachineRecord>();
  private idle: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    private readonly transitionMs: number,
  ) {}

  run(machine: MachineRecord, steps: Step[], delayFirst = false): void {
    this.cancel(machine);
    const queue = [...steps];
    if (!delayFirst) {
      const first = queue.shift();
      if (first) this.apply(machine, first);
    }
    if (this.transitionMs === 0) {
      for (const step of queue) this.apply(machine, step);
      return;
    }
    const next = () => {
      const step = queue.shift();
      if (!step) {
        this.finish(machine);
        return;
      }
      this.apply(machine, step);
      if (queue.length) machine.timer = setTimeout(next, this.transitionMs);
      else this.finish(machine);
    };
    if (queue.length) {
      this.pending.add(machine);
      machine.timer = setTimeout(next, this.transitionMs);
    }
  }

  cancel(machine: MachineRecord): void {
    if (machine.timer) clearTimeout(machine.timer);
    machine.timer = undefined;
    this.finish(machine);
  }

  /** Resolves once no machine has a transition pending. */
  settle(): Promise<void> {
    if (!this.pending.size) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  reset(): void {
    for (const m of this.pending) if (m.timer) clearTimeout(m.timer);
    this.pending.clear();
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private finish(machine: MachineRecord): void {
    machine.timer = undefined;
    this.pending.delete(machine);
    if (!this.pending.size) for (const resolve of this.idle.splice(0)) resolve();
  }

  private apply(machine: MachineRecord, step: Step): void {
    const now = Date.now();
    machine.state = step.state;
    machine.updatedAt = new Date(now).toISOString();
    const event: MachineEvent = {
      id: ulid(now),
      type: step.type,
      status: step.state,
      source: step.source,
      timestamp: now,
    };
    if (step.request) event.request = step.request;
    machine.events.push(event);
    if (step.state === "destroyed") this.detach(machine);
    this.store.notify(machine);
  }

  /** A destroyed machine lets go of its volume and lease. */
  private detach(machine: MachineRecord): void {
    machine.lease = undefined;
    const app = this.store.app(machine.appName);
    for (const volume of app?.volumes.values() ?? []) {
      if (volume.attachedMachineId === machine.id) volume.attachedMachineId = null;
    }
  }
}

const launch = (from: "user" | "flyd", type = "start"): Step[] => [
  { state: "starting", type, source: from },
  { state: "started", type, source: "flyd" },
];

/** The steps of each action, in Fly's state vocabulary. */
export const plans = {
  create: (skipLaunch: boolean): Step[] => [
    { state: "created", type: "launch", source: "user" },
    ...(skipLaunch ? [] : launch("flyd")),
  ],
  start: (): Step[] => launch("user"),
  stop: (signal?: string): Step[] => [
    { state: "stopping", type: "stop", source: "user", ...(signal ? { request: { signal } } : {}) },
    { state: "stopped", type: "stop", source: "flyd" },
  ],
  suspend: (): Step[] => [
    { state: "suspending", type: "suspend", source: "user" },
    { state: "suspended", type: "suspend", source: "flyd" },
  ],
  restart: (): Step[] => [
    { state: "stopping", type: "restart", source: "user" },
    { state: "stopped", type: "restart", source: "flyd" },
    ...launch("flyd", "restart"),
  ],
  update: (launchAfter: boolean): Step[] => [
    { state: "replacing", type: "update", source: "user" },
    ...(launchAfter
      ? launch("flyd")
      : [{ state: "stopped" as const, type: "update", source: "flyd" as const }]),
  ],
  destroy: (): Step[] => [
    { state: "destroying", type: "destroy", source: "user" },
    { state: "destroyed", type: "destroy", source: "flyd" },
  ],
  /** The main process died of a signal: flyd records an exit and the machine stops. */
  exit: (signal: string): Step[] => [
    {
      state: "stopped",
      type: "exit",
      source: "flyd",
      request: { exit_event: { signal, exit_code: 128 + signalNumber(signal), requested_stop: false } },
    },
  ],
};

const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

export const signalNumber = (signal: string): number => SIGNAL_NUMBERS[signal] ?? 0;
