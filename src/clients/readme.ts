import { CLIENTS, clientEntry, snippetOf, type Target } from "./entries.js";

// Example values, as the README shows them; `config` prints the real ones for this install.
const LOCAL: Target = {
  kind: "stdio",
  node: "/usr/local/bin/node",
  cli: "/path/to/fly-machines-mcp/dist/cli.js",
  flags: ["--access", "write"],
  needsToken: true,
};
const REMOTE: Target = { kind: "remote", url: "https://mcp.example.com/mcp", keyEnv: "FLY_MCP_KEY" };

/** The README's client-config section body, generated from the same entries `config` writes. */
export function clientsDocs(): string {
  const parts: string[] = [];
  for (const client of CLIENTS) {
    const local = clientEntry(client, LOCAL);
    const remote = clientEntry(client, REMOTE);
    parts.push(
      `#### ${client}\n`,
      `In ${local.file}, under \`${local.container}\`. Local (\`fly-machines-mcp config ${client} -- --access write\`):\n`,
      `\`\`\`json\n${JSON.stringify(snippetOf("fly", local), null, 2)}\n\`\`\`\n`,
      `${local.note}\n`,
      `Remote (\`fly-machines-mcp config ${client} --url https://mcp.example.com/mcp --key-env FLY_MCP_KEY\`):\n`,
      `\`\`\`json\n${JSON.stringify(snippetOf("fly", remote), null, 2)}\n\`\`\`\n`,
      `${remote.note}\n`,
    );
  }
  return parts.join("\n").trimEnd();
}
