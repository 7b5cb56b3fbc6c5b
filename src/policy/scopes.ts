import type { ToolDef } from "../tools/types.js";

/**
 * What the Fly token itself can reach, as far as the server can tell. The gate caps every agent at
 * this, so a tool the token can never run is hidden instead of failing with a 401/403 from Fly.
 */
export type TokenScope = "readonly" | "machine-exec" | "deploy" | "org";

export const TOKEN_SCOPES: readonly TokenScope[] = ["readonly", "machine-exec", "deploy", "org"];

/** The parts of a tool the policy code looks at. */
export type PolicyTool = Pick<
  ToolDef,
  "name" | "title" | "access" | "reach" | "asServer" | "destructive" | "path" | "appArg" | "input"
> &
  Partial<Pick<ToolDef, "toolset">>;

/**
 * Reads a machine-exec token is given beyond exec: enough to find the machine (app, list, get) and
 * to wait for it to reach `started` before running a command. Events, versions, processes,
 * volumes, secrets and leases are not needed for that, so they stay out.
 */
export const MACHINE_EXEC_READS: ReadonlySet<string> = new Set([
  "apps_get",
  "machines_list",
  "machines_get",
  "machines_wait",
]);

/** Input field naming the app a tool targets. */
export const appField = (tool: Pick<ToolDef, "appArg">): string => tool.appArg ?? "app_name";

/** Whether the tool's input has a field naming an app at all. */
export function hasAppField(tool: Pick<ToolDef, "appArg" | "input">): boolean {
  const shape = (tool.input as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape !== undefined && Object.hasOwn(shape, appField(tool));
}

/**
 * Whether the call happens inside one existing app, as its entry declares. `apps_create` names an
 * app but creating apps is an org-level permission; detaching Postgres from an app changes the
 * org's cluster: neither is app-scoped.
 */
export const isAppScoped = (tool: Pick<ToolDef, "reach">): boolean => tool.reach === "app";

/** The app a call targets, when its arguments name one. */
export function targetApp(tool: Pick<ToolDef, "appArg">, args: Record<string, unknown>): string | undefined {
  const value = args[appField(tool)];
  return typeof value === "string" && value !== "" ? value : undefined;
}

const TOKEN_HINT =
  "restart the server with a Fly token that allows it: an org token (`fly tokens create org`) " +
  "or a deploy token for the app (`fly tokens create deploy -a <app>`)";

export interface ScopeDenial {
  reason: string;
  fix: string;
}

function describeScope(scope: Exclude<TokenScope, "org">, scopeApp: string | undefined): string {
  switch (scope) {
    case "readonly":
      return scopeApp ? `the Fly token is readonly for app ${scopeApp}` : "the Fly token is readonly";
    case "machine-exec":
      return scopeApp
        ? `the Fly token is a machine-exec token for app ${scopeApp}`
        : "the Fly token is a machine-exec token";
    case "deploy":
      return scopeApp
        ? `the Fly token is a deploy token for app ${scopeApp}`
        : "the Fly token is a deploy token";
  }
}

/** Why the token can never run this tool, whatever the arguments; undefined when it can for some. */
export function scopeCapDenial(
  scope: TokenScope,
  scopeApp: string | undefined,
  tool: Pick<ToolDef, "name" | "access" | "reach">,
): ScopeDenial | undefined {
  if (scope === "org") return undefined;
  const who = describeScope(scope, scopeApp);
  switch (scope) {
    case "readonly":
      if (tool.access === "read") return undefined;
      return { reason: `${who}; it cannot run ${tool.access} tools like ${tool.name}`, fix: TOKEN_HINT };
    case "machine-exec":
      if (tool.access === "exec" || MACHINE_EXEC_READS.has(tool.name)) return undefined;
      return {
        reason: `${who}; it can only run exec tools and the lookups ${[...MACHINE_EXEC_READS].join(", ")}, not ${tool.name}`,
        fix: TOKEN_HINT,
      };
    case "deploy":
      if (tool.access === "admin") {
        return { reason: `${who}; ${tool.name} is an admin tool that needs an org token`, fix: TOKEN_HINT };
      }
      if (!isAppScoped(tool)) {
        return {
          reason: `${who}; ${tool.name} acts on the org, not inside one app, so it needs an org token`,
          fix: TOKEN_HINT,
        };
      }
      if (!scopeApp) {
        return { reason: `${who} but the app it is for is unknown`, fix: TOKEN_HINT };
      }
      return undefined;
  }
  // Fails closed: a scope this code does not know (a parsing slip upstream) can run nothing.
  return { reason: `the Fly token's scope (${String(scope)}) is not one this server knows`, fix: TOKEN_HINT };
}

/** Why a token limited to one app (deploy, machine-exec, or readonly on one app) cannot reach the app these arguments target. */
export function scopeAppDenial(
  scope: TokenScope,
  scopeApp: string | undefined,
  tool: Pick<ToolDef, "name" | "appArg" | "reach">,
  args: Record<string, unknown>,
): ScopeDenial | undefined {
  if (scope === "org" || !scopeApp || !isAppScoped(tool)) return undefined;
  const app = targetApp(tool, args);
  if (app === scopeApp) return undefined;
  return {
    reason: app
      ? `${describeScope(scope, scopeApp)}; it cannot reach app ${app}`
      : `${describeScope(scope, scopeApp)}; ${tool.name} was called without naming app ${scopeApp}`,
    fix: app
      ? `use app ${scopeApp}, or restart the server with a token for ${app} (\`fly tokens create deploy -a ${app}\`) or an org token`
      : `pass ${appField(tool)}: "${scopeApp}"`,
  };
}
