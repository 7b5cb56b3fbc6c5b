import type { HttpBindings } from "@hono/node-server";
import { registerApps } from "./apps.js";
import { registerExec } from "./exec.js";
import { FaultInjector, malformed, unavailable } from "./faults.js";
import { registerLeases } from "./leases.js";
import { Lifecycle } from "./lifecycle.js";
import { registerMachineControl } from "./machine-control.js";
import { registerMachineInfo } from "./machine-info.js";
import { registerMachines } from "./machines.js";
import { type ResolvedOptions, resolveOptions, type SandboxOptions } from "./options.js";
import { RateLimiter } from "./rate-limit.js";
import { createRouter, type Deps } from "./router.js";
import { registerSecrets } from "./secrets.js";
import { seedState } from "./seed.js";
import { Store } from "./state.js";
import { registerTokens } from "./tokens.js";
import { registerVolumes } from "./volumes.js";
import { registerWait } from "./wait.js";

export interface Sandbox {
  /** Web-standard fetch answering Machines API requests in-process; hand it to the Fly client. */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** Drops all state, pending transitions, rate-limit buckets and the fault sequence; seeds again. */
  reset(): void;
  /** Resolves once no machine has a state transition pending. */
  settle(): Promise<void>;
  /** The live state (orgs, apps with their machines, volumes and secrets), for tests to read or arrange. */
  readonly store: Store;
  readonly options: ResolvedOptions;
}

/** Returned instead of a response when a `reset` fault drops the connection. */
export const CONNECTION_RESET = Symbol("connection reset");

export interface SandboxCore {
  sandbox: Sandbox;
  dispatch(req: Request, env?: Partial<HttpBindings>): Promise<Response | typeof CONNECTION_RESET>;
}

/** The cause undici gives when the server drops the connection after the request went out. */
function socketClosed(): Error {
  return Object.assign(new Error("other side closed"), { name: "SocketError", code: "UND_ERR_SOCKET" });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSandboxCore(opts?: SandboxOptions): SandboxCore {
  const options = resolveOptions(opts);
  const store = new Store();
  const deps: Deps = {
    store,
    lifecycle: new Lifecycle(store, options.transitionMs),
    limiter: new RateLimiter(options.rateLimits),
    options,
  };
  const faults = new FaultInjector(options.faults);
  const router = createRouter();
  registerTokens(router);
  registerApps(router, deps);
  registerMachines(router, deps);
  registerMachineControl(router, deps);
  registerWait(router, deps);
  registerMachineInfo(router, deps);
  registerExec(router, deps);
  registerLeases(router, deps);
  registerVolumes(router, deps);
  registerSecrets(router, deps);
  seedState(deps, options.seed);

  const dispatch: SandboxCore["dispatch"] = async (req, env = {}) => {
    const fault = faults.next();
    if (fault === "5xx") return unavailable();
    if (fault === "malformed") return malformed();
    if (fault === "reset") return CONNECTION_RESET;
    if (fault === "slow") await sleep(faults.slowMs);
    return router.fetch(req, env);
  };

  const sandbox: Sandbox = {
    async fetch(input, init) {
      const res = await dispatch(new Request(input, init));
      if (res === CONNECTION_RESET) throw new TypeError("fetch failed", { cause: socketClosed() });
      return res;
    },
    reset() {
      deps.lifecycle.reset();
      store.clear();
      deps.limiter.reset();
      faults.reset();
      seedState(deps, options.seed);
    },
    settle: () => deps.lifecycle.settle(),
    store,
    options,
  };
  return { sandbox, dispatch };
}

export function createSandbox(opts?: SandboxOptions): Sandbox {
  return createSandboxCore(opts).sandbox;
}
