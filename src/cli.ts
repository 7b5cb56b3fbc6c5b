#!/usr/bin/env node
import { Command, Option } from "commander";
import { type CliFlags, type Config, ConfigError, resolveConfig } from "./config.js";
import { createLogger } from "./log.js";
import { findAgentByKey, hashKey } from "./policy/agent-policy.js";
import { type Runtime, createRuntime } from "./runtime.js";
import { serveStdio } from "./transport/stdio.js";
import { VERSION } from "./version.js";

function fail(message: string): never {
  process.stderr.write(`fly-machines-mcp: ${message}\n`);
  process.exit(2);
}

async function runServer(flags: CliFlags): Promise<void> {
  let config: Config;
  try {
    config = resolveConfig(flags, process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.sandbox) {
    process.stderr.write(
      "fly-machines-mcp: SANDBOX MODE: calls go to a local emulation of the Machines API, not to Fly.io; nothing here is real\n",
    );
  }
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, logger);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (config.transport === "stdio") {
    await serveStdio(runtime.serverFor(runtime.localAccess));
    await runtime.close();
    return;
  }
  // Agents of the policy file that have a key, each with its own gate.
  const agents = runtime.policyFile?.agents ?? {};
  const { closeOnSignals, createAgentDirectory, startHttpServer } = await import("./transport/http.js");
  const served = await startHttpServer({
    serverFor: runtime.serverFor,
    agents: createAgentDirectory({
      size: Object.values(agents).filter((a) => a.key_sha256).length,
      lookup: (key) => findAgentByKey({ agents }, key),
      toAccess: (_name, policy) => runtime.accessFor(policy),
    }),
    // Without a policy file, a loopback-only server serves the flag-configured local agent.
    anonymous: runtime.localAccess,
    host: config.host,
    port: config.port,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
    stateless: config.stateless,
    logger,
  });
  process.stderr.write(`fly-machines-mcp: MCP over HTTP at ${served.url}\n`);
  closeOnSignals({ close: () => served.close().then(() => runtime.close()) }, { logger });
}

const program = new Command()
  .name("fly-machines-mcp")
  .description("MCP server for the Fly.io Machines API")
  .version(VERSION)
  .option("--app <name>", "default app for tool calls (env FLY_APP_NAME)")
  .option("--org <slug>", "default organization (env FLY_ORG_SLUG)")
  .addOption(new Option("--transport <kind>", "stdio or http").choices(["stdio", "http"]))
  .option("--sandbox", "talk to a built-in local emulation of the Machines API; no token needed")
  .option("--toolsets <list>", "comma-separated toolsets, or all (env FLY_MCP_TOOLSETS)")
  .option("--dynamic-toolsets", "let the agent list toolsets and switch one on at run time")
  .addOption(new Option("--access <level>", "what the agent may do: read, write or all").choices(["read", "write", "all"]))
  .addOption(new Option("--destructive <mode>", "destructive actions: deny, confirm or allow").choices(["deny", "confirm", "allow"]))
  .addOption(
    new Option("--token-scope <scope>", "what the Fly token can do (env FLY_TOKEN_SCOPE)").choices([
      "readonly",
      "machine-exec",
      "deploy",
      "org",
      "auto",
    ]),
  )
  .option("--apps <list>", "limit the local agent to these apps (comma-separated)")
  .option("--reveal-secrets", "let the local agent see secret values")
  .option("--policy <file>", "agent policy file (YAML or JSON)")
  .option("--agent <name>", "under stdio, apply this agent's policy from --policy")
  .option("--audit-log <file>", "write the audit log here instead of stderr")
  .option("--host <host>", "HTTP bind address (default 127.0.0.1)")
  .option("--port <port>", "HTTP port (default 8080)")
  .option("--allowed-hosts <list>", "Host headers accepted over HTTP")
  .option("--allowed-origins <list>", "Origin headers accepted over HTTP")
  .option("--stateless", "HTTP without sessions, for several replicas")
  .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent")
  .action((flags: CliFlags) => runServer(flags));

program
  .command("hash-key")
  .description("read an agent key on stdin and print its SHA-256 for key_sha256 in the policy file")
  .action(async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const key = Buffer.concat(chunks).toString("utf8");
    if (!key.trim()) fail("hash-key: no key on stdin (try: printf %s \"$KEY\" | fly-machines-mcp hash-key)");
    process.stdout.write(`${hashKey(key)}\n`);
  });

program
  .command("sandbox")
  .description("serve the Machines API emulation over HTTP, for curl or any other client")
  .option("--port <port>", "port", "4280")
  .option("--host <host>", "bind address", "127.0.0.1")
  .option("--no-rate-limits", "turn Fly's per-action rate limits off")
  .action(async (opts: { port: string; host: string; rateLimits: boolean }) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port: ${opts.port}`);
    const { startSandboxServer } = await import("./sandbox/index.js");
    const served = await startSandboxServer({ port, host: opts.host, rateLimits: opts.rateLimits });
    process.stderr.write(`Machines API sandbox listening on ${served.url} (any bearer token works)\n`);
    const stop = () => void served.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("config")
  .description("print the entry for an MCP client (claude-desktop, claude-code, cursor, vscode, windsurf), or --write it")
  .argument("<client>", "claude-desktop, claude-code, cursor, vscode or windsurf")
  .argument("[flags...]", "server flags for a local entry, after --, e.g. -- --access write")
  .option("--name <name>", "server name in the client's config", "fly")
  .option("--url <url>", "a remote server's MCP endpoint instead of a local process")
  .option("--key-env <name>", "environment variable holding the agent key for --url", "FLY_MCP_KEY")
  .option("--write", "merge the entry into the client's config file (backed up first)")
  .option("--force", "with --write, replace an entry of the same name")
  .option("--file <path>", "with --write, this file instead of the client's usual one")
  .action(async (client: string, flags: string[], opts: import("./clients/command.js").ConfigOptions) => {
    const { ConfigUsageError, runConfig } = await import("./clients/command.js");
    try {
      runConfig(client, flags, opts);
    } catch (error) {
      if (error instanceof ConfigUsageError) fail(`config: ${error.message}`);
      throw error;
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`fly-machines-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
