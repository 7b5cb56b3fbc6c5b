import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

export const CLI = "dist/cli.js";

/**
 * Spawns `node <script> ...args` and connects an MCP client over stdio. Resolves once `initialize`
 * has been answered. stderr (logs, audit lines) is read as a client would, and kept only to
 * explain a server that dies before answering.
 */
export async function spawnClient(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script, ...args],
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const client = new Client({ name: "bench", version: "1.0.0" });
  try {
    await client.connect(transport);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${script} ${args.join(" ")}: ${why}\n${stderr}`);
  }
  return client;
}
