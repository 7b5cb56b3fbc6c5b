import { queryEnum, queryInt } from "./decode.js";
import { preconditionFailed } from "./errors.js";
import { requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import type { MachineRecord } from "./state.js";

/** A running machine's processes: Fly's init, plus the image's main process. */
function processes(machine: MachineRecord): Array<Record<string, unknown>> {
  const init = machine.config.init ?? {};
  const argv = [...(init.entrypoint ?? init.exec ?? []), ...(init.cmd ?? [])];
  const image = (machine.config.image ?? "app").split("/").pop()?.split(":")[0] ?? "app";
  const sockets = (machine.config.services ?? [])
    .filter((s) => s.internal_port)
    .map((s) => ({ address: `0.0.0.0:${s.internal_port}`, proto: s.protocol ?? "tcp" }));
  const seed = Number.parseInt(machine.id.slice(0, 4), 16);
  return [
    {
      pid: 1,
      command: "/.fly/init",
      cpu: 0,
      rss: 2_400_000,
      rtime: 120,
      stime: 40,
      directory: "/",
      listen_sockets: [],
    },
    {
      pid: 300 + (seed % 200),
      command: argv.length ? argv.join(" ") : image,
      cpu: seed % 7,
      rss: 40_000_000 + (seed % 1000) * 10_000,
      rtime: 1000 + (seed % 500),
      stime: 200 + (seed % 100),
      directory: "/",
      listen_sockets: sockets,
    },
  ];
}

const SORT_FIELDS = ["pid", "cpu", "rss", "rtime", "stime", "command"] as const;

export function registerMachineInfo(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/machines/:machine_id";

  router.get(`${base}/ps`, guard(deps, "machines_ps"), (c) => {
    const machine = requireMachine(deps.store, c);
    const sortBy = queryEnum(c, "sort_by", SORT_FIELDS) ?? "pid";
    const order = queryEnum(c, "order", ["asc", "desc"] as const) ?? "asc";
    if (machine.state !== "started") {
      throw preconditionFailed(
        `machine is not started (state: ${machine.state}); start it to list its processes`,
      );
    }
    const list = processes(machine).sort((a, b) => {
      const x = a[sortBy] as number | string;
      const y = b[sortBy] as number | string;
      return (x < y ? -1 : x > y ? 1 : 0) * (order === "asc" ? 1 : -1);
    });
    return c.json(list);
  });

  router.get(`${base}/events`, guard(deps, "machines_events"), (c) => {
    const machine = requireMachine(deps.store, c, { allowDestroyed: true });
    // Fly documents a default of 20 and a maximum of 50.
    const limit = Math.min(queryInt(c, "limit", 1, Number.MAX_SAFE_INTEGER) ?? 20, 50);
    return c.json([...machine.events].reverse().slice(0, limit));
  });

  router.get(`${base}/versions`, guard(deps, "machines_versions"), (c) => {
    const machine = requireMachine(deps.store, c, { allowDestroyed: true });
    return c.json(
      [...machine.versions].reverse().map((v) => ({ version: v.version, user_config: v.config })),
    );
  });
}
