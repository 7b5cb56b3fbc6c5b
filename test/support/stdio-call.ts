import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** Starts a server as a client would (command and args), makes one tool call, and closes it. */
export async function callOverStdio(
  command: string,
  args: string[],
  tool: string,
  toolArgs: Record<string, unknown>,
): Promise<CallToolResult> {
  const transport = new StdioClientTransport({
    command,
    args,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn" },
    stderr: "pipe",
  });
  const client = new Client({ name: "stdio-call", version: "1.0.0" });
  await client.connect(transport);
  try {
    return (await client.callTool({ name: tool, arguments: toolArgs })) as CallToolResult;
  } finally {
    await client.close();
  }
}
