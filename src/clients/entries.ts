/** The MCP clients `fly-machines-mcp config` knows, and the exact entry each one expects. */
export const CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "windsurf"] as const;
export type ClientName = (typeof CLIENTS)[number];

/** How the client reaches the server: it starts a local process, or it talks to a remote URL. */
export type Target =
  | { kind: "stdio"; node: string; cli: string; flags: readonly string[]; needsToken: boolean }
  | { kind: "remote"; url: string; keyEnv: string };

export interface ClientEntry {
  /** Where the client keeps its servers, for a person to read. */
  file: string;
  /** Key path of the servers object in that file (`mcpServers`, VS Code's `servers`). */
  container: string;
  entry: Record<string, unknown>;
  /** VS Code prompts for secrets through `inputs`; these go beside `servers`. */
  inputs?: Record<string, unknown>[];
  /** What the person must still do by hand, if anything. */
  note?: string;
}

export const TOKEN_ENV = "FLY_API_TOKEN";
const TOKEN_HINT = "<a Fly token: fly tokens create deploy -a my-app>";

interface Spelling {
  file: string;
  container: string;
  /** How the client spells a reference to an environment variable in its config, if it can. */
  envRef?: (name: string) => string;
  /** Extra keys of a stdio entry (Claude Code and VS Code want `type`). */
  stdioType?: boolean;
  remote: (url: string, header: string) => Record<string, unknown>;
}

const SPELLINGS: Record<ClientName, Spelling> = {
  "claude-desktop": {
    file: "claude_desktop_config.json (macOS ~/Library/Application Support/Claude/, Windows %APPDATA%\\Claude\\, Linux ~/.config/Claude/)",
    container: "mcpServers",
    // No URL entries and no variable expansion: remote servers go through the mcp-remote stdio bridge.
    remote: (url) => ({
      command: "npx",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: mcp-remote expands ${AUTH_HEADER} itself
      args: ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
      env: { AUTH_HEADER: "Bearer <agent key>" },
    }),
  },
  "claude-code": {
    file: ".mcp.json in the project folder",
    container: "mcpServers",
    envRef: (name) => `\${${name}}`,
    stdioType: true,
    // Claude Code ignores an HTTP entry without "type": "http".
    remote: (url, header) => ({ type: "http", url, headers: { Authorization: header } }),
  },
  cursor: {
    file: "~/.cursor/mcp.json (or .cursor/mcp.json in the project)",
    container: "mcpServers",
    envRef: (name) => `\${env:${name}}`,
    remote: (url, header) => ({ url, headers: { Authorization: header } }),
  },
  vscode: {
    file: ".vscode/mcp.json in the workspace",
    container: "servers",
    envRef: (name) => `\${input:${inputId(name)}}`,
    stdioType: true,
    remote: (url, header) => ({ type: "http", url, headers: { Authorization: header } }),
  },
  windsurf: {
    file: "~/.codeium/windsurf/mcp_config.json",
    container: "mcpServers",
    envRef: (name) => `\${env:${name}}`,
    // Windsurf reads a remote server's address from serverUrl.
    remote: (url, header) => ({ serverUrl: url, headers: { Authorization: header } }),
  },
};

const inputId = (envName: string) => envName.toLowerCase().replaceAll("_", "-");

/** VS Code asks for the value once and keeps it in its secret storage, never in the file. */
const vscodeInput = (envName: string, description: string) => ({
  type: "promptString",
  id: inputId(envName),
  description,
  password: true,
});

/**
 * The entry for one client. Secrets are never values: a reference to an environment variable (or
 * VS Code's secret prompt) where the client supports one, a placeholder to fill in where it does not.
 */
export function clientEntry(client: ClientName, target: Target): ClientEntry {
  const spelling = SPELLINGS[client];
  const base = { file: spelling.file, container: spelling.container };
  if (target.kind === "remote") {
    const header = spelling.envRef ? `Bearer ${spelling.envRef(target.keyEnv)}` : "Bearer <agent key>";
    return {
      ...base,
      entry: spelling.remote(target.url, header),
      ...(client === "vscode" && { inputs: [vscodeInput(target.keyEnv, "fly-machines-mcp agent key")] }),
      note: spelling.envRef
        ? client === "vscode"
          ? "VS Code asks for the agent key on first start and keeps it in its secret storage."
          : `Set ${target.keyEnv} to the agent key in the environment the client starts from.`
        : "Replace <agent key> with the agent key in AUTH_HEADER; this client cannot read it from the environment.",
    };
  }
  const entry: Record<string, unknown> = {
    ...(spelling.stdioType && { type: "stdio" }),
    command: target.node,
    args: [target.cli, ...target.flags],
  };
  if (!target.needsToken) return { ...base, entry };
  entry.env = { [TOKEN_ENV]: spelling.envRef ? spelling.envRef(TOKEN_ENV) : TOKEN_HINT };
  return {
    ...base,
    entry,
    ...(client === "vscode" && { inputs: [vscodeInput(TOKEN_ENV, "Fly API token")] }),
    note: spelling.envRef
      ? client === "vscode"
        ? "VS Code asks for the Fly token on first start and keeps it in its secret storage."
        : `Set ${TOKEN_ENV} in the environment the client starts from.`
      : `Replace the ${TOKEN_ENV} placeholder with a token; this client cannot read it from the environment.`,
  };
}

/** The snippet a person pastes: the entry under its container, with VS Code's inputs beside it. */
export function snippetOf(name: string, e: ClientEntry): Record<string, unknown> {
  return { ...(e.inputs && { inputs: e.inputs }), [e.container]: { [name]: e.entry } };
}
