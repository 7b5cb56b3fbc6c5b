import type { HttpBindings } from "@hono/node-server";
import { registerApps } from "./apps.js";
import { registerCertificates } from "./certificates.js";
import { Delays } from "./delays.js";
import { registerExec } from "./exec.js";
import { FaultInjector, malformed, requestTimeout, unavailable } from "./faults.js";
import { registerIps } from "./ips.js";
import { registerLeases } from "./leases.js";
import { Lifecycle } from "./lifecycle.js";
import { registerMachineControl } from "./machine-control.js";
import { registerMachineInfo } from "./machine-info.js";
import { registerMachines } from "./machines.js";
import { registerMemory } from "./memory.js";
import { registerMetadata } from "./metadata.js";
import { type ResolvedOptions, resolveOptions, type SandboxOptions } from "./options.js";
import { registerOrg } from "./org.js";
import { registerPlatform } from "./platform.js";
import { registerPostgresAttachments } from "./postgres-attachments.js";
import { registerPostgresBackups } from "./postgres-backups.js";
import { registerPostgresClusters } from "./postgres-clusters.js";
import { registerPostgresDatabases } from "./postgres-databases.js";
import { registerPostgresQueries } from "./postgres-queries.js";
import { registerPostgresUsers } from "./postgres-users.js";
import { RateLimiter } from "./rate-limit.js";
import { createRouter, type Deps } from "./router.js";
import { registerSecretKeys } from "./secretkeys.js";
import { registerSecrets } from "./secrets.js";
import { seedState } from "./seed.js";
import { registerSnapshots } from "./snapshots.js";
import { Store } from "./state.js";
import { registerTokens } from "./tokens.js";
import { registerTokensExtra } from "./tokens-extra.js";
import { registerVolumes } from "./volumes.js";
import { registerWait } from "./wait.js";

export interface Sandbox {
  /** Web-standard fetch answering Machines API requests in-process; hand it to the Fly client. */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /** Drops all state, pending transitions, rate-limit buckets and the fault sequence; seeds again. */
  reset(): void;
  /** Resolves once no machine, cluster, backup or snapshot has a state transition pending. */
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
    delays: new Delays(options.transitionMs),
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
  registerTokensExtra(router, deps);
  registerIps(router, deps);
  registerCertificates(router, deps);
  registerMetadata(router, deps);
  registerMemory(router, deps);
  registerSecretKeys(router, deps);
  registerSnapshots(router, deps);
  registerOrg(router, deps);
  registerPlatform(router, deps);
  registerPostgresClusters(router, deps);
  registerPostgresAttachments(router, deps);
  registerPostgresBackups(router, deps);
  registerPostgresDatabases(router, deps);
  registerPostgresQueries(router, deps);
  registerPostgresUsers(router, deps);
  seedState(deps, options.seed);

  const dispatch: SandboxCore["dispatch"] = async (req, env = {}) => {
    const fault = faults.next();
    if (fault === "5xx") return unavailable();
    if (fault === "malformed") return malformed();
    if (fault === "reset") return CONNECTION_RESET;
    if (fault === "slow") await sleep(faults.slowMs);
    if (fault === "408" && req.method !== "GET") {
      await router.fetch(req, env);
      return requestTimeout();
    }
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
      deps.delays.reset();
      store.clear();
      deps.limiter.reset();
      faults.reset();
      seedState(deps, options.seed);
    },
    settle: async () => {
      await Promise.all([deps.lifecycle.settle(), deps.delays.settle()]);
    },
    store,
    options,
  };
  return { sandbox, dispatch };
}

export function createSandbox(opts?: SandboxOptions): Sandbox {
  return createSandboxCore(opts).sandbox;
}
