import { readBody } from "./decode.js";
import { ApiError, badRequest, preconditionFailed } from "./errors.js";
import { requireApp, requireMachine } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import { execSpec } from "./schemas.js";
import { runArgv, type ShellContext, tokenize } from "./shell.js";
import type { AppRecord, MachineRecord } from "./state.js";

interface ExecRequest {
  command?: string[];
  cmd?: string;
  timeout?: number;
  stdin?: string;
  container?: string;
  machine?: boolean;
}

/** What the process sees: Fly's runtime variables, app secrets, then the config's env. */
function shellContext(app: AppRecord, machine: MachineRecord, req: ExecRequest): ShellContext {
  const config = machine.config;
  const container = config.containers?.find((c) => c.name === req.container);
  const env: Record<string, string> = {
    FLY_APP_NAME: app.name,
    FLY_MACHINE_ID: machine.id,
    FLY_REGION: machine.region,
    FLY_IMAGE_REF: config.image ?? "",
    FLY_MACHINE_VERSION: machine.version,
    FLY_PRIVATE_IP: machine.privateIp,
    HOME: "/root",
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  // The secrets the machine booted with, which may lag behind the app's newest write.
  const secrets = machine.secrets ?? app.secrets;
  for (const [name, secret] of secrets) env[name] = secret.value;
  Object.assign(env, config.env ?? {}, container?.env ?? {});
  const files = new Map<string, string>();
  for (const file of config.files ?? []) {
    if (!file.guest_path) continue;
    if (file.raw_value !== undefined)
      files.set(file.guest_path, Buffer.from(file.raw_value, "base64").toString("utf8"));
    else if (file.secret_name) {
      const secret = secrets.get(file.secret_name);
      if (secret) files.set(file.guest_path, Buffer.from(secret.value, "base64").toString("utf8"));
    }
  }
  return { machineId: machine.id, env, files, stdin: req.stdin ?? "" };
}

const EXEC_LIMIT_SECONDS = 30;

export function registerExec(router: SandboxRouter, deps: Deps): void {
  router.post(
    "/v1/apps/:app_name/machines/:machine_id/exec",
    guard(deps, "machines_exec", { exec: true }),
    async (c) => {
      const machine = requireMachine(deps.store, c);
      const body = await readBody<ExecRequest>(c, execSpec);
      const argv = body.command?.length ? body.command : body.cmd ? tokenize(body.cmd) : [];
      if (!argv.length)
        throw badRequest("command is required: a non-empty array of strings (or the deprecated cmd string)");
      if (body.timeout !== undefined && body.timeout < 0)
        throw badRequest("invalid timeout: must be zero or more seconds");
      if (body.container && body.machine) throw badRequest("container and machine cannot both be set");
      if (body.container && !machine.config.containers?.some((ct) => ct.name === body.container)) {
        throw badRequest(`container ${JSON.stringify(body.container)} is not in the machine's config`);
      }
      // flyd can only exec in a running VM; Fly answers a failed precondition, as for other state errors.
      if (machine.state !== "started") {
        throw preconditionFailed(
          `machine ${machine.id} is not started (state: ${machine.state}); start it before exec`,
        );
      }
      const app = requireApp(deps.store, machine.appName);
      const result = runArgv(argv, shellContext(app, machine, body));
      if (body.timeout && result.seconds > body.timeout) {
        throw new ApiError(408, `deadline_exceeded: the command did not finish within ${body.timeout}s`);
      }
      // Fly stops waiting for exec after about 30 s, whatever the timeout asked for.
      if (result.seconds > EXEC_LIMIT_SECONDS) {
        throw new ApiError(408, "request timed out: exec waits about 30s at most");
      }
      const { seconds: _seconds, ...response } = result;
      return c.json(response);
    },
  );
}
