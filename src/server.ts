import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  ListToolsRequestSchema,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import type { FlyClient } from "./fly/client.js";
import { registerToolsetTools } from "./dynamic-toolsets.js";
import { FlyApiError, describeFlyError } from "./fly/errors.js";
import {
  type ArgDefaults,
  annotationsOf,
  applyDefaults,
  errorResult,
  inputWithDefaults,
  jsonSchemaOf,
  perToolAndDefaults,
  successResult,
} from "./tools/present.js";
import { PathArgumentError, buildRequest } from "./tools/request.js";
import type { ToolArgs, ToolDef } from "./tools/types.js";
import { VERSION } from "./version.js";
import { type Decision, resourceOf } from "./policy/gate.js";

export type { Decision };

/** What one agent may do: the policy gate, seen from the server. */
export interface AccessControl {
  agent: string;
  isListed(tool: ToolDef): boolean;
  decide(tool: ToolDef, args: ToolArgs): Decision;
  /** Asks the human; resolves to whether the destructive call may go ahead. */
  confirm?(server: McpServer, message: string): Promise<{ confirmed: boolean; reason: string }>;
  /** Whether secret values may reach the agent. */
  revealSecrets: boolean;
  /** Hides secret values in the results of tools that can return them. */
  redactSecrets(data: unknown, tool: ToolDef): unknown;
  /** Settles when the methods above may be called (the token's scope is known). */
  ready?: Promise<unknown>;
}

export interface AuditEntry {
  agent: string;
  tool: string;
  app?: string;
  resource?: string;
  decision: string;
  reason?: string;
  status?: number | string;
  durationMs?: number;
  requestId?: string;
  args?: ToolArgs;
}

export interface AuditSink {
  record(entry: AuditEntry, tool?: ToolDef): void;
}

export interface ServerOptions {
  tools: readonly ToolDef[];
  fly: FlyClient;
  defaults?: ArgDefaults;
  access?: AccessControl;
  audit?: AuditSink;
  logger: Logger;
  name?: string;
  /** With --dynamic-toolsets: every tool the agent may switch on at run time (toolsets_enable). */
  dynamicCatalog?: readonly ToolDef[];
}

const allowAll: AccessControl = {
  agent: "local",
  isListed: () => true,
  decide: () => ({ kind: "allow" }),
  revealSecrets: true,
  redactSecrets: (d) => d,
};

function targetOf(tool: ToolDef, args: ToolArgs): { app?: string; resource?: string } {
  const app = args[tool.appArg ?? "app_name"];
  return { app: typeof app === "string" ? app : undefined, resource: resourceOf(tool, args) };
}

/** Runs one tool call after the gate said yes: prepare, request, shape, or map the failure. */
async function execute(
  tool: ToolDef,
  args: ToolArgs,
  opts: ServerOptions,
  access: AccessControl,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
): Promise<{ result: CallToolResult; status?: number | string; requestId?: string }> {
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
  // Every request of the call, the ones `prepare` makes included, queues as this agent's.
  const fly: FlyClient = {
    baseUrl: opts.fly.baseUrl,
    request: (req) => opts.fly.request({ ...req, agent: access.agent }),
  };
  try {
    const prepared = tool.prepare ? await tool.prepare(args, { fly, signal }) : args;
    const res = await fly.request({ ...buildRequest(tool, prepared), signal, onProgress });
    let data = tool.shape ? tool.shape(res, prepared) : res.data;
    if (!access.revealSecrets) data = access.redactSecrets(data, tool);
    return { result: successResult(tool, data), status: res.status, requestId: res.requestId };
  } catch (error) {
    if (error instanceof PathArgumentError) return { result: errorResult(error.message), status: "invalid_input" };
    if (error instanceof FlyApiError) {
      const special = tool.onStatus?.[error.status];
      if (special) {
        const outcome = special(args);
        const result = outcome.isError ? errorResult(outcome.text) : successResult(tool, outcome.data, outcome.text);
        return { result, status: error.status, requestId: error.details.requestId };
      }
      return {
        result: errorResult(describeFlyError(error)),
        status: error.status || error.details.kind,
        requestId: error.details.requestId,
      };
    }
    opts.logger.error({ err: error, tool: tool.name }, "tool call failed unexpectedly");
    return { result: errorResult(`Internal error in ${tool.name}; nothing more is known. Try again.`), status: "internal" };
  }
}

// One JSON Schema validator for every server: building one costs more than the rest of a server.
const sharedValidator = new AjvJsonSchemaValidator();

/** A tool as tools/list publishes it, converted once per tool and set of defaults. */
const describeTool = perToolAndDefaults(
  (tool, defaults): Tool => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchemaOf(inputWithDefaults(tool, defaults)) as Tool["inputSchema"],
    annotations: annotationsOf(tool),
  }),
);

function denial(reason: string, fix: string): CallToolResult {
  return errorResult(`Denied by policy: ${reason}.\nTo allow it: ${fix}.`);
}

/** Builds the MCP server: every catalog entry becomes a tool behind the gate, the audit log and the Fly client. */
export function createServer(opts: ServerOptions): McpServer {
  const access = opts.access ?? allowAll;
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
      { title: tool.title, description: tool.description, inputSchema: input, annotations: annotationsOf(tool) },
      async (rawArgs: ToolArgs, extra) => {
        await access.ready;
        const started = performance.now();
        const args = applyDefaults(tool, rawArgs, defaults);
        const target = targetOf(tool, args);
        const audit = (entry: Omit<AuditEntry, "agent" | "tool" | "app" | "resource" | "args">) =>
          opts.audit?.record(
            { agent: access.agent, tool: tool.name, ...target, args, durationMs: Math.round(performance.now() - started), ...entry },
            tool,
          );

        const decision = access.decide(tool, args);
        if (decision.kind === "deny") {
          audit({ decision: "deny", reason: decision.reason });
          return denial(decision.reason, decision.fix);
        }
        let verdict = "allow";
        if (decision.kind === "confirm") {
          const answer = access.confirm
            ? await access.confirm(server, decision.message)
            : { confirmed: false, reason: "this server cannot ask for confirmation" };
          if (!answer.confirmed) {
            audit({ decision: "confirm-declined", reason: answer.reason });
            return errorResult(`Not done: ${decision.message}\n${answer.reason}`);
          }
          verdict = "confirm-accepted";
        }
        const outcome = await execute(tool, args, opts, access, extra);
        audit({ decision: verdict, status: outcome.status, requestId: outcome.requestId });
        return outcome.result;
      },
    );
    return settled && access.isListed(tool);
  };
  for (const tool of opts.tools) addTool(tool);

  const metaTools = opts.dynamicCatalog
    ? registerToolsetTools(
        server,
        { catalog: opts.dynamicCatalog, addTool, isRegistered: (name) => registered.has(name), ready: access.ready },
        (tool) => access.isListed(tool),
      )
    : [];

  // Tools this agent may not use stay callable (to explain the denial) but are not listed.
  server.server.setRequestHandler(ListToolsRequestSchema, async () => {
    await access.ready;
    const listed = registeredTools.filter((tool) => access.isListed(tool));
    return { tools: [...metaTools, ...listed.map((tool) => describeTool(tool, defaults))] };
  });
  return server;
}
