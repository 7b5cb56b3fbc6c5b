import type { Logger } from "pino";
import { createApprovals } from "./approvals/index.js";
import type { Approvals } from "./approvals/service.js";
import type { Config } from "./config.js";
import { createFlyClient, type FlyClient } from "./fly/client.js";
import type { SharedLimits } from "./fly/rate-limiter.js";
import { createAccessControl } from "./policy/access-control.js";
import { type AgentPolicy, loadPolicyFile, type PolicyFile, policyFromFlags } from "./policy/agent-policy.js";
import { type AuditLog, type AuditSubject, createAuditLog } from "./policy/audit.js";
import { detectScope } from "./policy/introspect.js";
import type { TokenScope } from "./policy/scopes.js";
import { registerSecret } from "./policy/scrub.js";
import { type AccessControl, createServer } from "./server.js";
import { createSharedState } from "./state/shared.js";
import type { KeyValueStore } from "./state/store.js";
import { allTools } from "./tools/index.js";
import type { ToolDef } from "./tools/types.js";
import type { SharedSessions } from "./transport/http-sessions.js";
import { USER_AGENT } from "./version.js";

export const SANDBOX_URL = "http://sandbox.local";
export const SANDBOX_TOKEN = "sandbox";

/** Everything a transport needs to build an MCP server per agent. */
export interface Runtime {
  fly: FlyClient;
  tools: ToolDef[];
  defaults: Record<string, string | undefined>;
  audit: AuditLog;
  logger: Logger;
  /**
   * The process's one state store: in memory, or Redis with --redis-url (then it throws
   * `StoreUnavailable` while Redis is unreachable, and single-use checks must refuse).
   */
  store: KeyValueStore;
  /** With --redis-url: per-agent HTTP session counts shared between replicas. */
  sharedSessions?: SharedSessions;
  /** What the token reaches; asked of Fly in the background while the transport starts. */
  scope: Promise<TokenScopeInfo>;
  /** The agents of --policy, if given. */
  policyFile?: PolicyFile;
  /** The local (stdio) agent: --agent from the policy file, or the --access/--destructive flags. */
  localAccess: AccessControl;
  /** `subject`: the OAuth caller, written into every audit line of its calls. */
  accessFor(policy: AgentPolicy, subject?: AuditSubject): AccessControl;
  /** Pending approvals, when the policy file names approvers. */
  approvals?: Approvals;
  serverFor(access: AccessControl): ReturnType<typeof createServer>;
  close(): Promise<void>;
}

export interface TokenScopeInfo {
  scope: TokenScope;
  scopeApp?: string;
  summary: string;
}

/** An agent's gate that acts for one OAuth caller. */
interface Subjected {
  subject?: AuditSubject;
}

/** Every line of the caller's calls names it, beside the agent. */
const withSubject = (audit: AuditLog, subject: AuditSubject): AuditLog => ({
  record: (entry, tool) => audit.record({ ...entry, subject }, tool),
  close: () => audit.close(),
});

/** In sandbox mode a token named after the sandbox's conventions (e.g. sandbox-readonly) picks the scope to emulate. */
const sandboxToken = (env: NodeJS.ProcessEnv): string =>
  env.FLY_API_TOKEN?.startsWith("sandbox") ? env.FLY_API_TOKEN : SANDBOX_TOKEN;

function flyClientFor(config: Config, sharedLimits?: SharedLimits): { fly: FlyClient; token: string } {
  if (config.sandbox) {
    // Loaded in the background: the client's first call waits for it, the MCP handshake does not.
    const sandbox = import("./sandbox/index.js").then(({ createSandbox }) => createSandbox());
    const lazyFetch: typeof fetch = async (input, init) => (await sandbox).fetch(input, init);
    const token = sandboxToken(process.env);
    const fly = createFlyClient({
      baseUrl: SANDBOX_URL,
      token,
      fetch: lazyFetch,
      userAgent: USER_AGENT,
      sharedLimits,
    });
    return { fly, token };
  }
  const token = config.token!;
  registerSecret(token);
  return {
    fly: createFlyClient({ baseUrl: config.apiHostname, token, userAgent: USER_AGENT, sharedLimits }),
    token,
  };
}

async function tokenScope(config: Config, fly: FlyClient, token: string): Promise<TokenScopeInfo> {
  if (config.tokenScope !== "auto") {
    const summary = `token scope ${config.tokenScope} (declared)${config.app ? ` for app ${config.app}` : ""}`;
    return { scope: config.tokenScope, scopeApp: config.app, summary };
  }
  const found = await detectScope(fly, { app: config.app, token });
  return { scope: found.scope, scopeApp: found.scopeApp, summary: found.summary };
}

/** An agent's gate that the server may hold before the token's scope is known; it waits on `ready`. */
function deferredAccess(policy: AgentPolicy, scope: Promise<TokenScopeInfo>, ownApp?: string): AccessControl {
  let gate: AccessControl | undefined;
  const ready = scope.then((s) => {
    gate = createAccessControl({ scope: s.scope, scopeApp: s.scopeApp, policy, ownApp });
  });
  const settled = () => {
    if (!gate) throw new Error("the token scope is not known yet; await ready first");
    return gate;
  };
  return {
    agent: policy.name,
    revealSecrets: policy.reveal_secrets === true,
    ready,
    isListed: (tool) => settled().isListed(tool),
    decide: (tool, args, lost) => settled().decide(tool, args, lost),
    destructive: policy.destructive,
    confirmFallback: policy.confirm_fallback,
    confirm: (server, message, options) => settled().confirm!(server, message, options),
    redactSecrets: (data, tool) => settled().redactSecrets(data, tool),
  };
}

export interface RuntimeExtras {
  /** Signs round-trip confirmations (FLY_MCP_STATE_KEY); default: one random key per process. */
  stateKey?: Buffer;
}

export async function createRuntime(
  config: Config,
  logger: Logger,
  extras: RuntimeExtras = {},
): Promise<Runtime> {
  // One per process, so every session sees the same limits, single-use ids and secrets versions.
  const shared = await createSharedState({ redisUrl: config.redisUrl, replicas: config.replicas, logger });
  const { fly, token } = flyClientFor(config, shared.limits);
  // Every tool is registered; each agent's toolsets (the gate) decide what it lists and may call.
  const tools = [...allTools];
  const knownTools = allTools.map((t) => t.name);
  const policyFile = config.policyFile
    ? await loadPolicyFile(config.policyFile, { knownTools, defaultToolsets: config.toolsets })
    : undefined;
  for (const warning of policyFile?.warnings ?? [])
    process.stderr.write(`fly-machines-mcp: warning: ${warning}\n`);
  const scope = tokenScope(config, fly, token);
  void scope.then((found) => logger.info(found.summary));

  const defaults = {
    app_name: config.app,
    org_slug: config.org ?? (config.sandbox ? "personal" : undefined),
  };
  const audit = createAuditLog({ destination: config.auditLog, secrets: [token] });
  const accessFor = (policy: AgentPolicy, subject?: AuditSubject): AccessControl & Subjected => {
    const access: AccessControl & Subjected = deferredAccess(policy, scope, config.ownApp);
    if (subject) access.subject = subject;
    return access;
  };

  let localPolicy: AgentPolicy;
  if (config.agent) {
    const agent = policyFile?.agents[config.agent];
    if (!agent) throw new Error(`--agent ${config.agent}: no such agent in ${config.policyFile}`);
    localPolicy = agent;
    if (agent.destructive === "approve" && config.transport !== "http") {
      throw new Error(
        `--agent ${config.agent} has destructive: approve, which needs --transport http: approvers decide on its /approvals page`,
      );
    }
  } else {
    localPolicy = policyFromFlags({
      access: config.access,
      destructive: config.destructive,
      apps: config.apps,
      revealSecrets: config.revealSecrets,
      toolsets: config.toolsets,
      confirmFallback: config.confirmFallback,
    });
  }

  const { secretsVersions, store } = shared;
  // Pending approvals live in the process's store: in Redis, shared by the replicas, when configured.
  const approvals = createApprovals(config, policyFile, audit, logger, store);
  return {
    fly,
    tools,
    defaults,
    audit,
    logger,
    store,
    sharedSessions: shared.sessions,
    scope,
    policyFile,
    localAccess: accessFor(localPolicy),
    accessFor,
    approvals,
    serverFor: (access: AccessControl & Subjected) =>
      createServer({
        secretsVersions,
        tools,
        fly,
        defaults,
        access,
        audit: access.subject ? withSubject(audit, access.subject) : audit,
        logger,
        confirmTimeoutMs: config.confirmTimeoutS * 1000,
        stateKey: extras.stateKey,
        // Spent round-trip confirmations: shared by every replica when Redis is configured.
        store,
        approvals,
      }),
    // The audit log closes first and never waits on Redis.
    close: () => audit.close().finally(() => shared.close()),
  };
}
