import { authorizationHeader } from "../fly/auth.js";
import type { FlyClient } from "../fly/client.js";
import { FlyApiError } from "../fly/errors.js";
import type { TokenScope } from "./scopes.js";

export interface DetectedScope {
  scope: TokenScope;
  scopeApp?: string;
  org?: string;
  /** One line for stderr on what the token reaches; never contains the token. */
  summary: string;
  /** True when introspection failed and `org` is a stand-in, not a finding. */
  fellBack?: boolean;
}

export interface DetectScopeOptions {
  /** App the server was started for; picks the app when the token reaches several. */
  app?: string;
  /**
   * The token itself, to ask Fly (`POST /tokens/authorize`) whether it may write. Without it a
   * readonly token cannot be told apart from a writable one and Fly's own 403s are the only cap.
   */
  token?: string;
}

interface TokenInfo {
  apps: string[];
  org?: string;
  restrictedToMachine?: string;
}

function parseTokens(data: unknown): TokenInfo[] {
  const tokens = (data as { tokens?: unknown } | undefined)?.tokens;
  if (!Array.isArray(tokens)) return [];
  return tokens
    .filter((t): t is Record<string, unknown> => t !== null && typeof t === "object")
    .map((t) => ({
      apps: Array.isArray(t.apps) ? t.apps.filter((a): a is string => typeof a === "string" && a !== "") : [],
      org: typeof t.org_slug === "string" && t.org_slug ? t.org_slug : undefined,
      restrictedToMachine:
        typeof t.restricted_to_machine === "string" && t.restricted_to_machine
          ? t.restricted_to_machine
          : undefined,
    }));
}

const FALLBACK_NOTE =
  "treating it as org-wide; the agent policy still applies and Fly enforces the token itself";

function fallBack(why: string): DetectedScope {
  return {
    scope: "org",
    fellBack: true,
    summary: `Fly token: could not inspect it (${why}); ${FALLBACK_NOTE}`,
  };
}

function failureText(error: unknown): string {
  if (error instanceof FlyApiError) {
    return error.status ? `GET /tokens/current answered ${error.status}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Asks Fly whether the token may write. Only an explicit "unauthorized for action" answer counts as
 * readonly; anything else (network, unknown format, other errors) leaves the question open.
 */
async function probeReadonly(
  fly: FlyClient,
  token: string,
  org: string | undefined,
  app: string | undefined,
): Promise<boolean | undefined> {
  const access: Record<string, unknown> = { action: "w" };
  if (org) access.org_slug = org;
  if (app) access.app_name = app;
  try {
    await fly.request({
      method: "POST",
      path: "/tokens/authorize",
      body: { header: authorizationHeader(token), access },
      action: "tokens_authorize",
    });
    return false;
  } catch (error) {
    if (error instanceof FlyApiError && error.status >= 400 && error.status < 500) {
      if (/unauthorized for action|\(w[a-zA-Z]* not allowed\)/i.test(error.message)) return true;
    }
    return undefined;
  }
}

type Caveat = { type?: unknown; body?: unknown };

/** Every caveat in a verified token, however nested (IfPresent keeps its own under `ifs`). */
function* caveatsIn(value: unknown, depth = 0): Generator<Caveat> {
  if (depth > 8 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) yield* caveatsIn(item, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.type === "string" && "body" in obj) yield obj as Caveat;
  for (const [key, child] of Object.entries(obj)) if (key !== "type") yield* caveatsIn(child, depth + 1);
}

/**
 * The commands a machine-exec token may run, from its `Commands` caveat, or undefined when it has none.
 * `fly tokens create machine-exec` makes a deploy token with that caveat inside an IfPresent whose
 * else-branch is read-only (flyctl internal/command/tokens/create.go).
 */
async function execCommands(fly: FlyClient, token: string): Promise<string[] | undefined> {
  try {
    const res = await fly.request({
      method: "POST",
      path: "/tokens/authenticate",
      body: { header: authorizationHeader(token) },
      action: "tokens_authenticate",
    });
    for (const caveat of caveatsIn(res.data)) {
      if (caveat.type !== "Commands") continue;
      const rules = Array.isArray(caveat.body) ? caveat.body : [];
      return rules.map((rule) => {
        const args = (rule as { args?: unknown })?.args;
        const words = Array.isArray(args) ? args.filter((a): a is string => typeof a === "string") : [];
        return words.length ? words.join(" ").slice(0, 80) : "any command";
      });
    }
  } catch {
    // Unknown: the scope stays what the other answers say.
  }
  return undefined;
}

/**
 * What the Fly token can reach, from `GET /tokens/current`: a token restricted to a machine is
 * treated as machine-exec, a token limited to one app as a deploy token for it, anything else as
 * org-wide. With `opts.token`, a readonly token is also recognised, and so is a machine-exec token
 * (a deploy token with a Commands caveat, which `/tokens/current` does not show). Never throws: on any failure it
 * falls back to `org` with `fellBack: true`.
 */
export async function detectScope(fly: FlyClient, opts: DetectScopeOptions = {}): Promise<DetectedScope> {
  let tokens: TokenInfo[];
  try {
    const res = await fly.request({ method: "GET", path: "/tokens/current", action: "tokens_current" });
    tokens = parseTokens(res.data);
  } catch (error) {
    return fallBack(failureText(error));
  }
  if (tokens.length === 0) return fallBack("Fly returned no token information");

  const org = tokens.find((t) => t.org)?.org;
  const inOrg = org ? ` in org ${org}` : "";
  const machine = tokens.find((t) => t.restrictedToMachine)?.restrictedToMachine;
  // Several permission tokens grant the union of their access: one without an app list is org-wide.
  const orgWide = tokens.some((t) => t.apps.length === 0);
  const apps = orgWide ? [] : [...new Set(tokens.flatMap((t) => t.apps))];
  const mismatch =
    opts.app && apps.length > 0 && !apps.includes(opts.app)
      ? ` (not ${opts.app}, which the server was started for)`
      : "";

  if (machine) {
    const scopeApp = apps.length === 1 ? apps[0] : apps.includes(opts.app ?? "") ? opts.app : undefined;
    return {
      scope: "machine-exec",
      ...(scopeApp ? { scopeApp } : {}),
      ...(org ? { org } : {}),
      summary:
        `Fly token: restricted to machine ${machine}${scopeApp ? ` of app ${scopeApp}` : ""}${inOrg}; ` +
        `only exec and machine lookups are offered${mismatch}`,
    };
  }

  let scope: TokenScope = "org";
  let scopeApp: string | undefined;
  let reach: string;
  let hidden = "";
  if (apps.length === 1 || (apps.length > 1 && opts.app && apps.includes(opts.app))) {
    scope = "deploy";
    scopeApp = apps.length === 1 ? apps[0]! : opts.app!;
    reach = `limited to app ${scopeApp}${apps.length > 1 ? ` (of ${apps.join(", ")})` : ""}${inOrg}${mismatch}`;
    hidden = "; org-wide tools are hidden";
  } else if (apps.length > 1) {
    reach = `limited to apps ${apps.join(", ")}${inOrg}; Fly refuses calls to other apps`;
  } else {
    reach = `org-wide${inOrg}`;
  }

  // With several apps and none chosen there is no single resource to ask about.
  if (opts.token && (apps.length === 0 || scopeApp)) {
    const readonly = await probeReadonly(fly, opts.token, org, scopeApp);
    // A machine-exec token refuses plain writes too; its caveats tell it from a read-only one.
    const commands = readonly === false ? undefined : await execCommands(fly, opts.token);
    if (commands) {
      const allowed = commands.slice(0, 5).join("; ") + (commands.length > 5 ? "; ..." : "");
      return {
        scope: "machine-exec",
        ...(scopeApp ? { scopeApp } : {}),
        ...(org ? { org } : {}),
        summary: `Fly token: machine-exec (${reach}; commands: ${allowed}); only exec and machine lookups are offered`,
      };
    }
    if (readonly === true) {
      return {
        scope: "readonly",
        ...(scopeApp ? { scopeApp } : {}),
        ...(org ? { org } : {}),
        summary: `Fly token: read-only, ${reach}; write and exec tools are hidden`,
      };
    }
    if (readonly === undefined) hidden += "; could not tell whether it may write";
  }
  return {
    scope,
    ...(scopeApp ? { scopeApp } : {}),
    ...(org ? { org } : {}),
    summary: `Fly token: ${reach}${hidden}`,
  };
}
