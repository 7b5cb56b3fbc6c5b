import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CLIENTS, type ClientName, clientEntry, snippetOf, type Target } from "./entries.js";
import { ConfigFileError, mergeIntoFile } from "./write.js";

export interface ConfigOptions {
  name: string;
  url?: string;
  keyEnv: string;
  write?: boolean;
  force?: boolean;
  file?: string;
}

export class ConfigUsageError extends Error {}

/** Where each client keeps its config on this machine (project-scoped ones in the current folder). */
export function defaultFile(
  client: ClientName,
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  const home = homedir();
  switch (client) {
    case "claude-desktop":
      if (platform === "darwin")
        return join(home, "Library/Application Support/Claude/claude_desktop_config.json");
      if (platform === "win32")
        return join(env.APPDATA ?? join(home, "AppData/Roaming"), "Claude/claude_desktop_config.json");
      return join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "Claude/claude_desktop_config.json");
    case "claude-code":
      return resolve(".mcp.json");
    case "cursor":
      return join(home, ".cursor/mcp.json");
    case "vscode":
      return resolve(".vscode/mcp.json");
    case "windsurf":
      return join(home, ".codeium/windsurf/mcp_config.json");
  }
}

/** This install: the Node binary running it and the absolute path of its cli.js. */
export const thisInstall = () => ({
  node: process.execPath,
  cli: fileURLToPath(new URL("../cli.js", import.meta.url)),
});

export function targetOf(flags: readonly string[], opts: ConfigOptions): Target {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.keyEnv)) {
    throw new ConfigUsageError(
      `--key-env takes the NAME of an environment variable (got something else); e.g. --key-env FLY_MCP_KEY`,
    );
  }
  if (opts.url) {
    if (flags.length)
      throw new ConfigUsageError("server flags go with a local (stdio) entry; a --url entry takes none");
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new ConfigUsageError(`--url: not a URL: ${opts.url}`);
    }
    if (url.username || url.password)
      throw new ConfigUsageError("--url must not carry credentials; the key goes in --key-env");
    return { kind: "remote", url: url.href, keyEnv: opts.keyEnv };
  }
  return { kind: "stdio", ...thisInstall(), flags, needsToken: !flags.includes("--sandbox") };
}

/** `fly-machines-mcp config <client>`: prints the entry, or merges it into the client's file with --write. */
export function runConfig(
  client: string,
  flags: readonly string[],
  opts: ConfigOptions,
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
): void {
  if (!(CLIENTS as readonly string[]).includes(client)) {
    throw new ConfigUsageError(`unknown client "${client}"; one of ${CLIENTS.join(", ")}`);
  }
  const name = client as ClientName;
  const e = clientEntry(name, targetOf(flags, opts));
  if (!opts.write) {
    io.out(`${JSON.stringify(snippetOf(opts.name, e), null, 2)}\n`);
    io.err(`# goes in ${e.file}, under "${e.container}"${e.note ? `\n# ${e.note}` : ""}\n`);
    return;
  }
  const file = opts.file ? resolve(opts.file) : defaultFile(name);
  try {
    const { backup } = mergeIntoFile(file, opts.name, e, { force: opts.force });
    io.err(`added "${opts.name}" to ${file}${backup ? ` (previous version kept as ${backup})` : ""}\n`);
    if (e.note) io.err(`${e.note}\n`);
  } catch (error) {
    if (error instanceof ConfigFileError) throw new ConfigUsageError(error.message);
    throw error;
  }
}
