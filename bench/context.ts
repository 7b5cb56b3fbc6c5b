import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { getEncoding } from "js-tiktoken";
import { createFlyClient } from "../src/fly/client.js";
import { silentLogger } from "../src/log.js";
import { createAccessControl, policyFromFlags } from "../src/policy/index.js";
import { type AccessControl, createServer } from "../src/server.js";
import { allTools, DEFAULT_TOOLSETS, selectTools, toolsets } from "../src/tools/index.js";
import type { ToolDef } from "../src/tools/types.js";
import { USER_AGENT } from "../src/version.js";
import { connectInMemory } from "./mcp.js";
import { type BenchResult, int } from "./stats.js";

const encoder = getEncoding("cl100k_base");
// Listing never calls Fly; the client only has to exist.
const fly = createFlyClient({ baseUrl: "http://unused.invalid", userAgent: USER_AGENT, rateLimits: false });

interface Cost {
  tools: number;
  tokens: number;
  bytes: number;
}

const costOf = (value: unknown, tools: number): Cost => {
  const text = JSON.stringify(value);
  return { tools, tokens: encoder.encode(text).length, bytes: Buffer.byteLength(text) };
};

/** The tools/list result an agent receives, through a real client. */
// The whole catalog, stated explicitly: the server has no allow-all default.
const everything = createAccessControl({
  scope: "org",
  policy: {
    name: "bench",
    access: ["read", "write", "exec", "admin"],
    apps: "*",
    destructive: "allow",
    reveal_secrets: true,
  },
});

async function listed(tools: readonly ToolDef[], access: AccessControl = everything): Promise<Tool[]> {
  const client = await connectInMemory(
    createServer({ tools, fly, access, audit: { record: () => {} }, logger: silentLogger() }),
  );
  const { tools: list } = await client.listTools();
  await client.close();
  return list;
}

async function listCost(tools: readonly ToolDef[], access?: AccessControl): Promise<Cost> {
  const list = await listed(tools, access);
  return costOf({ tools: list }, list.length);
}

/**
 * The same list without output schemas: what a host pays that hands tools to the model as name,
 * description and input schema (the Anthropic and OpenAI tool formats have no output field) and
 * keeps the output schema for validating results.
 */
async function inputOnlyCost(tools: readonly ToolDef[]): Promise<Cost> {
  const list = (await listed(tools)).map(({ outputSchema: _, ...tool }) => tool);
  return costOf({ tools: list }, list.length);
}

export async function runContext(): Promise<BenchResult> {
  const defaults = selectTools(DEFAULT_TOOLSETS);
  const readOnly = createAccessControl({ scope: "org", policy: policyFromFlags({ access: "read" }) });
  const deploy = createAccessControl({
    scope: "deploy",
    scopeApp: "demo-app",
    policy: policyFromFlags({ access: "all" }),
  });

  const full = await listCost(allTools);
  const byDefault = await listCost(defaults);
  const fullInputOnly = await inputOnlyCost(allTools);
  const defaultInputOnly = await inputOnlyCost(defaults);
  const readAgent = await listCost(defaults, readOnly);
  const deployAgent = await listCost(defaults, deploy);

  const perToolset: Record<string, Cost> = {};
  for (const name of toolsets()) perToolset[name] = await listCost(selectTools([name]));

  const largest = (await listed(allTools))
    .map((tool) => ({ name: tool.name, ...costOf(tool, 1) }))
    .sort((a, b) => b.tokens - a.tokens)
    .slice(0, 5);

  console.log("\nContext cost (cl100k_base tokens of JSON.stringify({tools}) from tools/list)");
  const line = (label: string, c: Cost) =>
    console.log(
      `  ${label.padEnd(34)} ${String(c.tools).padStart(4)} tools ${int(c.tokens).padStart(7)} tokens ${int(c.bytes).padStart(8)} bytes`,
    );
  line("full catalog (all)", full);
  line(`default (${DEFAULT_TOOLSETS.join("+")})`, byDefault);
  line("full catalog, no output schemas", fullInputOnly);
  line("default, no output schemas", defaultInputOnly);
  line("read-only agent", readAgent);
  line("deploy-scoped agent", deployAgent);
  console.log("  per toolset:");
  for (const [name, c] of Object.entries(perToolset)) line(`    ${name}`, c);
  console.log("  largest tools:");
  for (const t of largest) line(`    ${t.name}`, t);

  const goal = (name: string, c: Cost, max: number) => ({
    name,
    figure: `${int(c.tokens)} tokens, ${c.tools} tools`,
    goal: `<= ${int(max)}`,
    met: c.tokens <= max,
  });
  return {
    rows: [
      goal("context: full catalog", full, 15_000),
      goal("context: default list", byDefault, 6_000),
      goal("context: read-only agent", readAgent, 2_500),
      {
        name: "context: full / default without output schemas",
        figure: `${int(fullInputOnly.tokens)} / ${int(defaultInputOnly.tokens)} tokens`,
        goal: "-",
      },
      {
        name: "context: deploy-scoped agent",
        figure: `${int(deployAgent.tokens)} tokens, ${deployAgent.tools} tools`,
        goal: "-",
      },
    ],
    figures: {
      full,
      default: byDefault,
      fullInputOnly,
      defaultInputOnly,
      readOnly: readAgent,
      deployScoped: deployAgent,
      perToolset,
      largest,
    },
  };
}
