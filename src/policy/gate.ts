import type { AccessClass, ToolArgs } from "../tools/types.js";
import type { AgentPolicy } from "./agent-policy.js";
import {
  appField,
  hasAppField,
  isAppScoped,
  type PolicyTool,
  scopeAppDenial,
  scopeCapDenial,
  type TokenScope,
  targetApp,
} from "./scopes.js";

export type Decision =
  | { kind: "allow" }
  | { kind: "deny"; reason: string; fix: string }
  | { kind: "confirm"; message: string };

export interface GateInput {
  scope: TokenScope;
  /** The one app a deploy or machine-exec token reaches. */
  scopeApp?: string;
  policy: AgentPolicy;
  tool: PolicyTool;
  /** Arguments after defaults are applied, so the target app is known. */
  args: ToolArgs;
  /** What the call would lose, as the tool's `losses` hook named it; anything here makes it destructive. */
  lost?: readonly string[];
  /** The app this server itself runs in (its secrets hold the Fly token): refused unless `apps` names it. */
  ownApp?: string;
}

const ALLOW: Decision = { kind: "allow" };

const deny = (reason: string, fix: string): Decision => ({ kind: "deny", reason, fix });

/** `start the server with ...` for the flags policy, `... agents.<name>...` for a policy file. */
function fixFor(policy: AgentPolicy, flag: string, fileSetting: string): string {
  const file = `${fileSetting} in the policy file`;
  if (policy.source === "flags") return `start the server with ${flag}`;
  if (policy.source === "file") return file;
  return `start the server with ${flag}, or ${file}`;
}

const agentRef = (policy: AgentPolicy) => `agents.${policy.name}`;

function listDenial(policy: AgentPolicy, tool: string): Decision | undefined {
  if (policy.tools?.deny?.includes(tool)) {
    return deny(
      `${tool} is in the deny list of agent ${policy.name}`,
      `remove "${tool}" from ${agentRef(policy)}.tools.deny in the policy file`,
    );
  }
  const allow = policy.tools?.allow;
  if (allow && !allow.includes(tool)) {
    return deny(
      `${tool} is not in the allow list of agent ${policy.name}`,
      `add "${tool}" to ${agentRef(policy)}.tools.allow in the policy file`,
    );
  }
  return undefined;
}

/** A tool outside the agent's toolsets is neither listed nor callable; a tool without a toolset is outside. */
function toolsetDenial(policy: AgentPolicy, tool: PolicyTool): Decision | undefined {
  const chosen = policy.toolsets;
  if (chosen === undefined || chosen === "all") return undefined;
  const toolset = tool.toolset;
  if (toolset === undefined) {
    return deny(
      `${tool.name} belongs to no toolset and agent ${policy.name} has only ${chosen.join(", ")}`,
      fixFor(policy, "--toolsets all", `set ${agentRef(policy)}.toolsets to all`),
    );
  }
  if (chosen.includes(toolset)) return undefined;
  return deny(
    `${tool.name} is in toolset ${toolset}, which agent ${policy.name} does not have (its toolsets: ${chosen.join(", ")})`,
    fixFor(
      policy,
      `--toolsets ${[...chosen, toolset].join(",")}`,
      `add ${toolset} to ${agentRef(policy)}.toolsets`,
    ),
  );
}

const FLAG_FOR_CLASS: Record<AccessClass, string | undefined> = {
  read: "--access read",
  write: "--access write",
  exec: "--access all",
  admin: undefined,
};

function accessDenial(policy: AgentPolicy, tool: PolicyTool): Decision | undefined {
  if (policy.access.includes(tool.access)) return undefined;
  const file = `add "${tool.access}" to ${agentRef(policy)}.access`;
  const flag = FLAG_FOR_CLASS[tool.access];
  const fix = flag === undefined ? `admin tools need a policy file: ${file}` : fixFor(policy, flag, file);
  return deny(`agent ${policy.name} does not have ${tool.access} access, which ${tool.name} needs`, fix);
}

const pinned = (policy: AgentPolicy): string[] | undefined => (policy.apps === "*" ? undefined : policy.apps);

/**
 * Whether pinning an agent to apps can hold for this tool: it acts inside the one app it names, or
 * it names the app it creates (`apps_create`). Org-reach tools (a Postgres cluster, an org-wide
 * list) act on what other apps share, so pinning cannot hold for them.
 */
const pinnable = (tool: PolicyTool): boolean =>
  isAppScoped(tool) || (tool.appArg !== undefined && hasAppField(tool));

/** Tools that name no app are denied under pinning: they would reach apps outside the list. */
function unpinnableDenial(policy: AgentPolicy, tool: PolicyTool, apps: readonly string[]): Decision {
  return deny(
    `${tool.name} does not target a single app and agent ${policy.name} is limited to ${apps.join(", ")}`,
    fixFor(policy, "no --apps restriction", `set ${agentRef(policy)}.apps to "*"`),
  );
}

function appDenial(policy: AgentPolicy, tool: PolicyTool, args: ToolArgs): Decision | undefined {
  const apps = pinned(policy);
  if (!apps) return undefined;
  if (!pinnable(tool)) return unpinnableDenial(policy, tool, apps);
  const app = targetApp(tool, args);
  if (app === undefined) {
    return deny(
      `${tool.name} was called without ${appField(tool)} and agent ${policy.name} is limited to ${apps.join(", ")}`,
      `pass ${appField(tool)}, one of ${apps.join(", ")}`,
    );
  }
  if (apps.includes(app)) return undefined;
  return deny(
    `agent ${policy.name} is limited to ${apps.join(", ")}, not ${app}`,
    fixFor(policy, `--apps including ${app}`, `add "${app}" to ${agentRef(policy)}.apps`),
  );
}

function secretsDenial(policy: AgentPolicy, tool: PolicyTool, args: ToolArgs): Decision | undefined {
  if (args.show_secrets !== true || policy.reveal_secrets === true) return undefined;
  return deny(
    `agent ${policy.name} may not see secret values (show_secrets) in ${tool.name}`,
    `call it without show_secrets, or ${fixFor(policy, "--reveal-secrets", `set ${agentRef(policy)}.reveal_secrets: true`)}`,
  );
}

/** Whether this call destroys something; a throwing predicate counts as destructive. */
export function isDestructive(tool: Pick<PolicyTool, "destructive">, args: ToolArgs): boolean {
  if (typeof tool.destructive !== "function") return tool.destructive;
  try {
    return tool.destructive(args) === true;
  } catch {
    return true;
  }
}

// Parsed once per path template: this runs on every call.
const paramsByPath = new Map<string, string[]>();
const pathParams = (path: string): string[] => {
  let params = paramsByPath.get(path);
  if (!params) {
    params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    paramsByPath.set(path, params);
  }
  return params;
};

/** `machine_id` -> `machine`, `postgres_cluster_id` -> `postgres cluster`, `hostname` -> `hostname`. */
const labelOf = (field: string): string => field.replace(/_(id|name)$/, "").replace(/_/g, " ");

/**
 * Everything a call acts on below the app, from its path: e.g. `machine 148e1234`, or
 * `postgres cluster pg-1 / database orders`. Every path parameter counts, so a confirmation names
 * exactly what will be destroyed, whatever the tool.
 */
export function resourceOf(tool: Pick<PolicyTool, "path" | "appArg">, args: ToolArgs): string | undefined {
  const app = appField(tool);
  const parts = pathParams(tool.path)
    .filter((field) => field !== app && typeof args[field] === "string" && args[field] !== "")
    .map((field) => `${labelOf(field)} ${args[field] as string}`);
  return parts.length > 0 ? parts.join(" / ") : undefined;
}

/** One line naming what a destructive call destroys: tool, app, resource and the options that make it so. */
export function describeDestruction(tool: PolicyTool, args: ToolArgs): string {
  const app = targetApp(tool, args);
  const resource = resourceOf(tool, args);
  const target = [resource, app ? `app ${app}` : undefined].filter(Boolean).join(" in ");
  const options: string[] = [];
  if (typeof args.signal === "string") options.push(`signal ${args.signal}`);
  if (typeof args.timeout === "string") options.push(`timeout ${args.timeout}`);
  if (args.force === true) options.push("force: kill it if running");
  const extra = options.length > 0 ? ` (${options.join(", ")})` : "";
  return `${tool.name} (${tool.title}) on ${target || "no named target"}${extra}`;
}

function destructiveDecision(
  policy: AgentPolicy,
  tool: PolicyTool,
  args: ToolArgs,
  lost: readonly string[],
): Decision {
  if (!isDestructive(tool, args) && lost.length === 0) return ALLOW;
  const losing = lost.length > 0 ? `, losing ${lost.join("; ")}` : "";
  const what = `${describeDestruction(tool, args)}${losing}`;
  switch (policy.destructive) {
    case "allow":
      return ALLOW;
    case "deny":
      return deny(
        `${what} is destructive and agent ${policy.name} has destructive: deny`,
        fixFor(
          policy,
          "--destructive confirm (asks you first) or --destructive allow",
          `set ${agentRef(policy)}.destructive to confirm (asks first) or allow`,
        ),
      );
    // With approve, the same question goes to a named approver instead of the agent's client.
    case "confirm":
    case "approve":
      return { kind: "confirm", message: `Allow ${what}? This is destructive and cannot be undone.` };
  }
}

function ownAppDenial(
  policy: AgentPolicy,
  tool: PolicyTool,
  args: ToolArgs,
  ownApp?: string,
): Decision | undefined {
  if (!ownApp) return undefined;
  // A machine-identity token is issued to the calling machine: here, the server's own. Never handed out.
  if (tool.asServer) {
    return deny(
      `${tool.name} would return a token for the machine this server runs in (app ${ownApp}), whose identity no agent gets`,
      "nothing on this server: request it from code running in your own machines",
    );
  }
  if (targetApp(tool, args) !== ownApp) return undefined;
  if (Array.isArray(policy.apps) && policy.apps.includes(ownApp)) return undefined;
  return deny(
    `${ownApp} is the app this server runs in (its secrets hold the Fly token); it is out of reach unless named explicitly`,
    fixFor(
      policy,
      `--apps ${ownApp}`,
      `list "${ownApp}" in ${agentRef(policy)}.apps ("*" does not include it)`,
    ),
  );
}

/**
 * The gate. Pure: same input, same decision. Order: toolsets, tool lists, the server's own app, token scope,
 * agent access class, app pinning, secret reveal, destructive handling.
 */
export function decide(input: GateInput): Decision {
  const { scope, scopeApp, policy, tool, args, lost = [] } = input;
  const listed =
    toolsetDenial(policy, tool) ??
    listDenial(policy, tool.name) ??
    ownAppDenial(policy, tool, args, input.ownApp);
  if (listed) return listed;
  const capped = scopeCapDenial(scope, scopeApp, tool) ?? scopeAppDenial(scope, scopeApp, tool, args);
  if (capped) return deny(capped.reason, capped.fix);
  return (
    accessDenial(policy, tool) ??
    appDenial(policy, tool, args) ??
    secretsDenial(policy, tool, args) ??
    destructiveDecision(policy, tool, args, lost)
  );
}

/**
 * Whether the tool shows up in tools/list: false only when no arguments could make it allowed.
 * With destructive: deny, tools that are always destructive are hidden; tools destructive only
 * for some arguments (SIGKILL, force) stay listed.
 */
export function isListed(input: Omit<GateInput, "args">): boolean {
  const { scope, scopeApp, policy, tool } = input;
  if (toolsetDenial(policy, tool) || listDenial(policy, tool.name)) return false;
  if (scopeCapDenial(scope, scopeApp, tool)) return false;
  if (accessDenial(policy, tool)) return false;
  const pins = pinned(policy);
  if (pins && !pinnable(tool)) return false;
  // A token for one app and an agent pinned to other apps leave nothing callable.
  if (pins && scope !== "org" && scopeApp && isAppScoped(tool) && !pins.includes(scopeApp)) return false;
  if (policy.destructive === "deny" && tool.destructive === true) return false;
  return true;
}
