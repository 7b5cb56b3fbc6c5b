import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const CLI = "dist/cli.js";

/** A clean environment for the built CLI: only PATH, a quiet log level, and what the test adds. */
export const cliEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "",
  LOG_LEVEL: "warn",
  ...extra,
});

/** A real MCP client talking to the built CLI over stdio; stderr is collected. */
export async function spawnClient(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, ...args],
    env: cliEnv(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const client = new Client({ name: "e2e", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name: string, callArgs: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: callArgs })) as CallToolResult;
  return { client, call, stderr: () => stderr };
}
