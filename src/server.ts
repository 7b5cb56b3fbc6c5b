import { randomUUID } from "node:crypto";
import {
  type CallToolResult,
  type InputRequiredResult,
  McpServer,
  type RequestOptions,
  type ServerContext,
  type Tool,
} from "@modelcontextprotocol/server";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/server/validators/ajv";
import type { Logger } from "pino";
import { z } from "zod";
import { approvalStep } from "./approvals/hook.js";
import type { Approvals } from "./approvals/service.js";
import type { FlyClient } from "./fly/client.js";
import { describeFlyError, FlyApiError } from "./fly/errors.js";
import type { AuditEntry } from "./policy/audit.js";
import { confirmVerdict } from "./policy/confirm.js";
import { decideWithState, StateReadNotAudited } from "./policy/decide-with-state.js";
import { echoConfirmation } from "./policy/echo-confirm.js";
import { type Decision, resourceOf } from "./policy/gate.js";
import { inputBoundsProblem } from "./policy/input-bounds.js";
import { createStateCodec } from "./policy/request-state.js";
import { createRoundTripConfirmer } from "./policy/request-state-confirm.js";
import { modernRequest, processConfirmDefaults } from "./policy/request-state-defaults.js";
import { flyTokensIn } from "./policy/scrub.js";
import { scrubOutgoing } from "./policy/scrub-transport.js";
import type { KeyValueStore } from "./state/store.js";
import { type LocalFields, splitLocalFields } from "./tools/local-fields.js";
import {
  type ArgDefaults,
  annotationsOf,
  applyDefaults,
  errorResult,
  inputWithDefaults,
  jsonSchemaOf,
  outputOf,
  perToolAndDefaults,
  successResult,
} from "./tools/present.js";
import { buildRequest, RefusedCall } from "./tools/request.js";
import { memorySecretsVersions, type SecretsVersions } from "./tools/secrets-versions.js";
import type { ToolArgs, ToolDef } from "./tools/types.js";
import { trackCalls } from "./transport/calls-in-flight.js";
import { VERSION } from "./version.js";

export type { Decision };

/** What one agent may do: the policy gate, seen from the server. */
export interface AccessControl {
  agent: string;
  isListed(tool: ToolDef): boolean;
  /** `lost`: what the call would lose, as the tool's `losses` hook named it (see decideWithState). */
  decide(tool: ToolDef, args: ToolArgs, lost?: readonly string[]): Decision;
  /** How destructive calls are treated; with `allow` the state is not read to name losses. */
  destructive?: "deny" | "confirm" | "allow" | "approve";
  /** `echo`: a client that cannot be asked confirms by repeating the call with its exact phrase. */
  confirmFallback?: "deny" | "echo";
  /** Asks the human; resolves to whether the destructive call may go ahead. */
  confirm?(
    server: McpServer,
    message: string,
    options?: RequestOptions,
  ): Promise<{ confirmed: boolean; reason: string }>;
  /** Whether secret values may reach the agent. */
  revealSecrets: boolean;
  /** Hides secret values in the results of tools that can return them. */
  redactSecrets(data: unknown, tool: ToolDef): unknown;
  /** Settles when the methods above may be called (the token's scope is known). */
  ready?: Promise<unknown>;
}

export type { AuditEntry };

/** Where the server writes audit lines; `record` throws when a line could not be written. */
export interface AuditSink {
  record(entry: AuditEntry, tool?: ToolDef): void;
}

export interface ServerOptions {
  tools: readonly ToolDef[];
  fly: FlyClient;
  defaults?: ArgDefaults;
  /** Required: there is no allow-all default. */
  access: AccessControl;
  /** Required: no call goes ahead without its audit line. */
  audit: AuditSink;
  logger: Logger;
  name?: string;
  /** Last secrets version per app; share one across the servers of a process. Default: one per server. */
  secretsVersions?: SecretsVersions;
  /** How long a confirmation waits for the person (--confirm-timeout); also how long a round-trip state lives. */
  confirmTimeoutMs?: number;
  /** Pending approvals for agents with destructive: approve; one per process. */
  approvals?: Approvals;
  /** Where spent round-trip confirmations are remembered. Default: one in-memory store per process. */
  store?: KeyValueStore;
  /** Signs round-trip confirmation state (FLY_MCP_STATE_KEY). Default: one random key per process. */
  stateKey?: Buffer;
  /** Clock for round-trip state expiry. */
  now?: () => number;
}

/** What a call needs from its request: cancellation and the way to report progress. */
interface CallContext {
  signal: AbortSignal;
  progressToken?: string | number;
  notify: ServerContext["mcpReq"]["notify"];
}

function targetOf(tool: ToolDef, args: ToolArgs): { app?: string; resource?: string } {
  const app = args[tool.appArg ?? "app_name"];
  return { app: typeof app === "string" ? app : undefined, resource: resourceOf(tool, args) };
}

/** Every request of a call (state reads and `prepare`'s included) queues as its agent's. */
function asAgent(client: FlyClient, agent: string): FlyClient {
  return { baseUrl: client.baseUrl, request: (req) => client.request({ ...req, agent }) };
}

/** Runs one tool call after the gate said yes: prepare, request, shape, or map the failure. */
async function execute(
  tool: ToolDef,
  args: ToolArgs,
  opts: ServerOptions,
  access: AccessControl,
  call: CallContext,
): Promise<{ result: CallToolResult; status?: number | string; requestId?: string; minted?: string[] }> {
  const { signal, progressToken } = call;
  // Queueing, retry backoff and long waits become progress notifications when the client asked for them.
  let progress = 0;
  const onProgress =
    progressToken === undefined
      ? undefined
      : (message: string) => {
          const params = { progressToken, progress: ++progress, message };
          call.notify({ method: "notifications/progress", params }).catch(() => {});
        };
  const fly = asAgent(opts.fly, access.agent);
  try {
    const ctx = { fly, signal, secretsVersions: opts.secretsVersions };
    const prepared = tool.prepare ? await tool.prepare(args, ctx) : args;
    const res = await fly.request({ ...buildRequest(tool, prepared), signal, onProgress });
    await tool.afterSuccess?.(res, prepared, ctx);
    let data = tool.shape ? tool.shape(res, prepared) : res.data;
    if (!access.revealSecrets) data = access.redactSecrets(data, tool);
    // Minting credentials is what admin tools are for: the tokens Fly just minted may reach the agent.
    const minted = tool.access === "admin" ? flyTokensIn(JSON.stringify(data) ?? "") : undefined;
    return { result: successResult(tool, data), status: res.status, requestId: res.requestId, minted };
  } catch (error) {
    if (error instanceof RefusedCall) return { result: errorResult(error.message), status: error.status };
    if (error instanceof FlyApiError) {
      const special = tool.onStatus?.[error.status];
      if (special) {
        const outcome = special(args);
        const result = outcome.isError
          ? errorResult(outcome.text)
          : successResult(tool, outcome.data, outcome.text);
        return { result, status: error.status, requestId: error.details.requestId };
      }
      return {
        result: errorResult(describeFlyError(error)),
        status: error.status || error.details.kind,
        requestId: error.details.requestId,
      };
    }
    opts.logger.error({ err: error, tool: tool.name }, "tool call failed unexpectedly");
    return {
      result: errorResult(`Internal error in ${tool.name}; nothing more is known. Try again.`),
      status: "internal",
    };
  }
}

// One JSON Schema validator for every server: building one costs more than the rest of a server.
const sharedValidator = new AjvJsonSchemaValidator();

/** A tool as tools/list publishes it, converted once per tool and set of defaults. */
const describeTool = perToolAndDefaults((tool, defaults): Tool => {
  const output = outputOf(tool);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchemaOf(inputWithDefaults(tool, defaults)) as Tool["inputSchema"],
    ...(output && { outputSchema: jsonSchemaOf(output, "output") as Tool["outputSchema"] }),
    annotations: annotationsOf(tool),
  };
});

/** How long a client may cache tools/list (2026-07-28); the list changes only with the policy file. */
const TOOLS_LIST_TTL_MS = 5 * 60_000;

/** The round-trip state exactly as the client sent it back (no SDK verify hook: we check it ourselves). */
const stateOf = (ctx: ServerContext): string | undefined => {
  const state = ctx.mcpReq.requestState<unknown>();
  return typeof state === "string" ? state : undefined;
};

function denial(reason: string, fix: string): CallToolResult {
  return errorResult(`Denied by policy: ${reason}.\nTo allow it: ${fix}.`);
}

const NOT_AUDITED = errorResult(
  "Not done: the audit log could not be written, so nothing was sent to Fly. " +
    "Ask the operator to check the audit log destination (--audit-log, or stderr).",
);

// The SDK passes arguments through untouched; the handler validates them, so refusals are audited too.
const passThroughInput = z.looseObject({});

/** Bounds first (so a hostile value cannot slow or crash the schema check), then the tool's schema. */
export function validateArgs(
  tool: Pick<ToolDef, "name">,
  schema: z.ZodType,
  raw: unknown,
): { ok: true; args: ToolArgs } | { ok: false; message: string } {
  const bounds = inputBoundsProblem(raw);
  if (bounds) return { ok: false, message: `Invalid arguments for ${tool.name}: ${bounds}` };
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, args: parsed.data as ToolArgs };
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join(".") : "arguments"}: ${i.message}`);
  return { ok: false, message: `Invalid arguments for ${tool.name}: ${issues.join("; ")}` };
}

/** Builds the MCP server: every catalog entry becomes a tool behind the gate, the audit log and the Fly client. */
export function createServer(serverOpts: ServerOptions): McpServer {
  const opts = { ...serverOpts, secretsVersions: serverOpts.secretsVersions ?? memorySecretsVersions() };
  const { access, audit: auditLog } = opts;
  // Checked at run time too, for callers without types: there is no allow-all or unaudited default.
  if (!access || !auditLog) throw new TypeError("createServer needs an access object and an audit sink");
  const defaults = opts.defaults ?? {};
  const server = new McpServer(
    { name: opts.name ?? "fly-machines-mcp", version: VERSION },
    {
      // An agent's tool list is fixed by its policy: it never changes during a session.
      capabilities: { tools: { listChanged: false } },
      jsonSchemaValidator: sharedValidator,
      // The list varies only by the agent's authorization: clients may cache it, privately.
      cacheHints: { "tools/list": { ttlMs: TOOLS_LIST_TTL_MS, cacheScope: "private" } },
    },
  );
  const registeredTools: ToolDef[] = [];
  // Tokens this agent asked Fly to mint, let through the scrubber once (see scrubOutgoing).
  const minted = new Set<string>();
  const defaultsForConfirm = processConfirmDefaults();
  const stateKey = opts.stateKey ?? defaultsForConfirm.key;
  const roundTrip = createRoundTripConfirmer({
    codec: createStateCodec(stateKey, opts.now),
    store: opts.store ?? defaultsForConfirm.store,
    ttlMs: opts.confirmTimeoutMs,
    now: opts.now,
  });

  const addTool = (tool: ToolDef): void => {
    registeredTools.push(tool);
    const input = inputWithDefaults(tool, defaults);
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: passThroughInput,
        annotations: annotationsOf(tool),
      },
      trackCalls(
        server,
        async (rawArgs: ToolArgs, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
          const call: CallContext = {
            signal: ctx.mcpReq.signal,
            progressToken: ctx.mcpReq._meta?.progressToken,
            notify: ctx.mcpReq.notify,
          };
          await access.ready;
          const started = performance.now();
          const callId = randomUUID();
          const checked = validateArgs(tool, input, rawArgs);
          // Local fields (confirm, approval_id) are the server's: never gated, audited as arguments or sent.
          const { args: sent, local } = checked.ok
            ? splitLocalFields(checked.args)
            : { args: rawArgs, local: {} as LocalFields };
          const args = checked.ok ? applyDefaults(tool, sent, defaults) : rawArgs;
          const target = checked.ok ? targetOf(tool, args) : {};
          const audit = (entry: Omit<AuditEntry, "agent" | "tool" | "app" | "resource" | "callId">) =>
            auditLog.record(
              {
                callId,
                agent: access.agent,
                tool: tool.name,
                ...target,
                durationMs: Math.round(performance.now() - started),
                ...entry,
              },
              tool,
            );
          // A refusal stands even when its audit line fails; the failure is logged.
          const auditRefusal = (entry: Parameters<typeof audit>[0]) => {
            try {
              audit({ ...entry, args });
            } catch (error) {
              opts.logger.error({ err: error, tool: tool.name }, "audit line of a refused call not written");
            }
          };

          if (!checked.ok) {
            auditRefusal({ decision: "invalid", reason: checked.message });
            return errorResult(checked.message);
          }
          // A tool whose losses depend on the current state reads it first: that read is audited before it leaves.
          let decision: Decision;
          try {
            decision = await decideWithState(
              access,
              tool,
              args,
              { fly: asAgent(opts.fly, access.agent), signal: call.signal },
              () => audit({ event: "state_read", decision: "read-state", args }),
            );
          } catch (error) {
            if (!(error instanceof StateReadNotAudited)) throw error;
            opts.logger.error(
              { err: error.cause, tool: tool.name },
              "audit line not written; the call was refused",
            );
            return NOT_AUDITED;
          }
          if (decision.kind === "deny") {
            auditRefusal({ decision: "deny", reason: decision.reason });
            return denial(decision.reason, decision.fix);
          }
          let verdict = "allow";
          const modern = modernRequest(ctx);
          const echo =
            decision.kind === "confirm" && access.destructive !== "approve"
              ? echoConfirmation({
                  fallback: access.confirmFallback,
                  // A 2026-07-28 request declares its capabilities itself; a 2025 one did at initialize.
                  client: modern
                    ? { getClientCapabilities: () => (modern.canElicit ? { elicitation: {} } : {}) }
                    : server.server,
                  tool,
                  args,
                  message: decision.message,
                  echoed: local.confirm,
                  key: stateKey,
                })
              : undefined;
          if (echo?.kind === "refused") {
            auditRefusal({ decision: echo.verdict, reason: echo.reason });
            return errorResult(echo.text);
          }
          let approval: { approvalId: string; approver: string } | undefined;
          if (decision.kind === "confirm" && access.destructive === "approve") {
            const step = await approvalStep(opts.approvals, {
              agent: access.agent,
              tool,
              args,
              local,
              message: decision.message,
              target,
              callId,
              audit,
            });
            if (!step.go) return step.result;
            verdict = "approved";
            approval = { approvalId: step.approvalId, approver: step.approver };
          } else if (echo?.kind === "confirmed") verdict = echo.verdict;
          else if (decision.kind === "confirm" && modern) {
            // 2026-07-28: ask by round trip; the answer comes back on a later call, maybe at another replica.
            const outcome = await roundTrip.check({
              agent: access.agent,
              tool: tool.name,
              args,
              message: decision.message,
              state: stateOf(ctx),
              responses: ctx.mcpReq.inputResponses,
              canElicit: modern.canElicit,
            });
            if (outcome.kind === "ask") {
              auditRefusal({ decision: "confirm-asked-round-trip", reason: "asked the client to confirm" });
              return outcome.result;
            }
            if (outcome.kind === "refused") {
              auditRefusal({
                decision: outcome.answered ? "confirm-declined-round-trip" : "confirm-unavailable-round-trip",
                reason: outcome.reason,
              });
              return errorResult(`Not done: ${decision.message}\n${outcome.reason}`);
            }
            verdict = "confirm-accepted-round-trip";
          } else if (decision.kind === "confirm") {
            const answer = access.confirm
              ? await access.confirm(server, decision.message, {
                  // Over HTTP this puts the question on the call's own stream, not the optional GET stream.
                  relatedRequestId: ctx.mcpReq.id,
                  signal: call.signal,
                  timeout: opts.confirmTimeoutMs,
                })
              : { confirmed: false, reason: "this server cannot ask for confirmation" };
            if (!answer.confirmed) {
              auditRefusal({
                decision: confirmVerdict(answer, ctx.http !== undefined),
                reason: answer.reason,
              });
              return errorResult(`Not done: ${decision.message}\n${answer.reason}`);
            }
            verdict = confirmVerdict(answer, ctx.http !== undefined);
          }
          // Audit before act: nothing reaches Fly unless this line was written.
          try {
            audit({ event: "tool_call", decision: verdict, args, ...approval });
          } catch (error) {
            opts.logger.error(
              { err: error, tool: tool.name },
              "audit line not written; the call was refused",
            );
            return NOT_AUDITED;
          }
          const outcome = await execute(tool, args, opts, access, call);
          for (const token of outcome.minted ?? []) minted.add(token);
          try {
            audit({
              event: "tool_result",
              decision: verdict,
              status: outcome.status,
              requestId: outcome.requestId,
              approvalId: approval?.approvalId,
            });
          } catch (error) {
            opts.logger.error({ err: error, tool: tool.name, callId }, "audit outcome line not written");
          }
          return outcome.result;
        },
      ),
    );
  };
  for (const tool of opts.tools) addTool(tool);

  // Tools this agent may not use stay callable (to explain the denial) but are not listed.
  server.server.setRequestHandler("tools/list", async () => {
    await access.ready;
    // Registration order: the same agent always sees the same list, in the same order.
    const listed = registeredTools.filter((tool) => access.isListed(tool));
    return { tools: listed.map((tool) => describeTool(tool, defaults)) };
  });
  // Every message to the client passes the outbound scrubber, whatever the transport.
  const connect = server.connect.bind(server);
  server.connect = (transport) => connect(scrubOutgoing(transport, minted));
  return server;
}
