import type { McpServer, Tool } from "@modelcontextprotocol/server";
import { z } from "zod";
import { errorResult, jsonSchemaOf } from "./tools/present.js";
import type { ToolDef } from "./tools/types.js";

export interface DynamicToolsets {
  /** Every tool that may be switched on at run time. */
  catalog: readonly ToolDef[];
  /** Registers one tool behind the gate; true when the agent may see it. */
  addTool(tool: ToolDef): boolean;
  isRegistered(name: string): boolean;
  /** Settles once the token's scope is known; listing before that would undercount. */
  ready?: Promise<unknown>;
  /** Writes the audit line of a toolsets_enable call (it changes what the agent can call). */
  audit(entry: { tool: string; decision: string; reason?: string; args: Record<string, unknown> }): void;
}

const listInput = z.object({});
const enableInput = z.object({
  toolset: z.string().min(1).max(64).describe("Toolset name from toolsets_list"),
});
// Validated in the handler, so a refused call is audited too.
const passThroughInput = z.looseObject({});

/**
 * Two small tools that let the agent see the toolsets and switch one on. Enabling only registers
 * tools: each call still passes the gate, and tools the policy hides stay hidden.
 */
export function registerToolsetTools(
  server: McpServer,
  dynamic: DynamicToolsets,
  isListed: (t: ToolDef) => boolean,
): Tool[] {
  const groups = () => {
    const byName = new Map<string, ToolDef[]>();
    for (const tool of dynamic.catalog) byName.set(tool.toolset, [...(byName.get(tool.toolset) ?? []), tool]);
    return byName;
  };
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

  const list = {
    name: "toolsets_list",
    title: "List toolsets",
    description: "List the groups of Fly tools, which are on, and how many of their tools you may use.",
    annotations: readOnly,
  };
  server.registerTool(list.name, { ...list, inputSchema: listInput }, async () => {
    await dynamic.ready;
    const toolsets = [...groups()].map(([toolset, tools]) => ({
      toolset,
      enabled: tools.every((t) => dynamic.isRegistered(t.name)),
      tools: tools.length,
      usable: tools.filter(isListed).length,
    }));
    return {
      content: [{ type: "text", text: JSON.stringify({ toolsets }) }],
      structuredContent: { toolsets },
    };
  });

  const enable = {
    name: "toolsets_enable",
    title: "Enable toolset",
    description: "Switch on a group of Fly tools (see toolsets_list); the tool list then changes.",
    annotations: { ...readOnly, readOnlyHint: false },
  };
  server.registerTool(enable.name, { ...enable, inputSchema: passThroughInput }, async (raw) => {
    await dynamic.ready;
    const parsed = enableInput.safeParse(raw);
    const args = parsed.success ? parsed.data : { toolset: "[invalid]" };
    const tools = parsed.success ? groups().get(parsed.data.toolset) : undefined;
    const refusal = !parsed.success
      ? `toolset: ${parsed.error.issues[0]?.message ?? "invalid"}; pass a toolset name from toolsets_list`
      : !tools
        ? `toolset: no toolset "${parsed.data.toolset}"; call toolsets_list for the names`
        : undefined;
    dynamic.audit({ tool: enable.name, decision: refusal ? "invalid" : "allow", reason: refusal, args });
    if (refusal || !tools) return errorResult(refusal ?? "toolset: unknown");
    const { toolset } = args;
    const alreadyOn = tools.filter((t) => dynamic.isRegistered(t.name));
    const added = tools.filter((t) => !dynamic.isRegistered(t.name) && dynamic.addTool(t)).map((t) => t.name);
    if (added.length) server.sendToolListChanged();
    const text = added.length
      ? `Toolset ${toolset} is on; new tools: ${added.join(", ")}`
      : alreadyOn.length === tools.length
        ? `Toolset ${toolset} was already on; the tool list is unchanged`
        : `Toolset ${toolset} is on; it adds no tool your policy allows`;
    return { content: [{ type: "text", text }] };
  });

  return [list, enable].map((t, i) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    annotations: t.annotations,
    inputSchema: jsonSchemaOf(i === 0 ? listInput : enableInput) as Tool["inputSchema"],
  }));
}
