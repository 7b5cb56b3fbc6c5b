import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra, RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  type CallToolResult,
  ListToolsRequestSchema,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { Logger } from "pino";
import { z } from "zod";
import { approvalStep } from "./approvals/hook.js";
import type { Approvals } from "./approvals/service.js";
import { registerToolsetTools } from "./dynamic-toolsets.js";
import type { FlyClient } from "./fly/client.js";
import { describeFlyError, FlyApiError } from "./fly/errors.js";
import type { AuditEntry } from "./policy/audit.js";
import { confirmVerdict } from "./policy/confirm.js";
import { decideWithState, StateReadNotAudited } from "./policy/decide-with-state.js";
import { type Decision, resourceOf } from "./policy/gate.js";
import { inputBoundsProblem } from "./policy/input-bounds.js";
import { flyTokensIn } from "./policy/scrub.js";
import { scrubOutgoing } from "./policy/scrub-transport.js";
import { splitLocalFields } from "./tools/local-fields.js";
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
  /** With --dynamic-toolsets: every tool the agent may switch on at run time (toolsets_enable). */
  dynamicCatalog?: readonly ToolDef[];
  /** How long a confirmation waits for the person (--confirm-timeout). */
  confirmTimeoutMs?: number;
  /** Pending approvals for agents with destructive: approve; one per process. */
  approvals?: Approvals;
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
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
): Promise<{ result: CallToolResult; status?: number | string; requestId?: string; minted?: string[] }> {
  const signal = extra.signal;
  // Queueing, retry backoff and long waits become progress notifications when the client asked for them.
  const progressToken = extra._meta?.progressToken;
  let progress = 0;
  const onProgress =
    progressToken === undefined
      ? undefined
      : (message: string) => {
          const params = { progressToken, progress: ++progress, message };
          extra.sendNotification({ method: "notifications/progress", params }).catch(() => {});
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
      capabilities: { tools: { listChanged: true } },
      jsonSchemaValidator: sharedValidator,
      // Enabling a toolset registers several tools at once: the client hears about it once.
      debouncedNotificationMethods: ["notifications/tools/list_changed"],
    },
  );
  const registeredTools: ToolDef[] = [];
  // Tokens this agent asked Fly to mint, let through the scrubber once (see scrubOutgoing).
  const minted = new Set<string>();
  // Until the scope is known, nothing is listable; calls and listings wait for it.
  let settled = access.ready === undefined;
  void access.ready?.then(() => {
    settled = true;
  });
  const registered = new Set<string>();

  const addTool = (tool: ToolDef): boolean => {
    registered.add(tool.name);
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
        async (rawArgs: ToolArgs, extra: RequestHandlerExtra<ServerRequest, ServerNotification>) => {
          await access.ready;
          const started = performance.now();
          const callId = randomUUID();
          const checked = validateArgs(tool, input, rawArgs);
          // Local fields (approval_id) are the server's: never gated, audited as arguments or sent.
          const { args: sent, local } = checked.ok
            ? splitLocalFields(checked.args)
            : { args: rawArgs, local: {} };
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
              { fly: asAgent(opts.fly, access.agent), signal: extra.signal },
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
          } else if (decision.kind === "confirm") {
            const answer = access.confirm
              ? await access.confirm(server, decision.message, {
                  // Over HTTP this puts the question on the call's own stream, not the optional GET stream.
                  relatedRequestId: extra.requestId,
                  signal: extra.signal,
                  timeout: opts.confirmTimeoutMs,
                })
              : { confirmed: false, reason: "this server cannot ask for confirmation" };
            if (!answer.confirmed) {
              auditRefusal({
                decision: confirmVerdict(answer, extra.requestInfo !== undefined),
                reason: answer.reason,
              });
              return errorResult(`Not done: ${decision.message}\n${answer.reason}`);
            }
            verdict = confirmVerdict(answer, extra.requestInfo !== undefined);
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
          const outcome = await execute(tool, args, opts, access, extra);
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
    return settled && access.isListed(tool);
  };
  for (const tool of opts.tools) addTool(tool);

  const metaTools = opts.dynamicCatalog
    ? registerToolsetTools(
        server,
        {
          catalog: opts.dynamicCatalog,
          addTool,
          isRegistered: (name) => registered.has(name),
          ready: access.ready,
          audit: (entry) => auditLog.record({ callId: randomUUID(), agent: access.agent, ...entry }),
        },
        (tool) => access.isListed(tool),
      )
    : [];

  // Tools this agent may not use stay callable (to explain the denial) but are not listed.
  server.server.setRequestHandler(ListToolsRequestSchema, async () => {
    await access.ready;
    const listed = registeredTools.filter((tool) => access.isListed(tool));
    return { tools: [...metaTools, ...listed.map((tool) => describeTool(tool, defaults))] };
  });
  // Every message to the client passes the outbound scrubber, whatever the transport.
  const connect = server.connect.bind(server);
  server.connect = (transport) => connect(scrubOutgoing(transport, minted));
  return server;
}
