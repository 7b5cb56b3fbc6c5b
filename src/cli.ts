#!/usr/bin/env node
import { Command, Option } from "commander";
import { type CliFlags, type Config, ConfigError, decimal, resolveConfig } from "./config.js";
import { createLogger } from "./log.js";
import { findAgentByKey, hashKey } from "./policy/agent-policy.js";
import { clientConfirmationNotice } from "./policy/confirm.js";
import { StateKeyError, stateKeyFrom } from "./policy/request-state.js";
import { registerSecret, scrubText } from "./policy/scrub.js";
import { createRuntime, type Runtime } from "./runtime.js";
import { redisUrlFlag, registerRedisUrl } from "./state/redis-secret.js";
import { serveStdio } from "./transport/stdio.js";
import { VERSION } from "./version.js";

/** A configuration error: exit code 2, and the message passes the scrubber like every other output. */
function fail(message: string): never {
  process.stderr.write(`fly-machines-mcp: ${scrubText(message)}\n`);
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
  let stateKey: ReturnType<typeof stateKeyFrom>;
  try {
    stateKey = stateKeyFrom(process.env.FLY_MCP_STATE_KEY);
  } catch (error) {
    if (error instanceof StateKeyError) fail(error.message);
    throw error;
  }
  if (!stateKey.shared && config.transport === "http" && config.stateless) {
    process.stderr.write(
      "fly-machines-mcp: no FLY_MCP_STATE_KEY: confirmations are signed with a key of this process only, so a confirmation asked by one replica cannot be answered at another; set the same FLY_MCP_STATE_KEY (32+ bytes) on every replica\n",
    );
  }
  if (config.sandbox) {
    process.stderr.write(
      "fly-machines-mcp: SANDBOX MODE: calls go to a local emulation of the Machines API, not to Fly.io; nothing here is real\n",
    );
  }
  let runtime: Runtime;
  try {
    runtime = await createRuntime(config, logger, { stateKey: stateKey.key });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (config.transport === "stdio") {
    await serveStdio(() => runtime.serverFor(runtime.localAccess), { logger });
    await runtime.close();
    return;
  }
  // Agents of the policy file that have a key, each with its own gate.
  const agents = runtime.policyFile?.agents ?? {};
  const { closeOnSignals, createAgentDirectory, startHttpServer } = await import("./transport/http.js");
  let oauth: import("./transport/oauth.js").OAuthResourceServer | undefined;
  if (config.oauthIssuer) {
    const { oauthFromConfig } = await import("./transport/oauth-runtime.js");
    try {
      oauth = oauthFromConfig(config, runtime, logger);
    } catch (error) {
      fail(error instanceof Error ? error.message : String(error));
    }
  }
  const seconds = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  // Refusals (a public address without agent keys) and bind failures are configuration errors.
  const served = await startHttpServer({
    serverFor: runtime.serverFor,
    agents: createAgentDirectory({
      size: Object.values(agents).filter((a) => a.key_sha256).length,
      lookup: (key) => findAgentByKey({ agents }, key),
      toAccess: (_name, policy) => runtime.accessFor(policy),
    }),
    // Keyless HTTP only on the operator's explicit word, and only on loopback (checked there).
    anonymous: config.allowKeylessLoopback ? runtime.localAccess : undefined,
    oauth,
    host: config.host,
    port: config.port,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
    stateless: config.stateless,
    maxSessions: config.maxSessions,
    maxSessionsPerAgent: config.maxSessionsPerAgent,
    sharedSessions: runtime.sharedSessions,
    maxConnections: config.maxConnections,
    headersTimeoutMs: seconds(config.headersTimeoutS),
    requestTimeoutMs: seconds(config.requestTimeoutS),
    approvals: runtime.approvals,
    logger,
  }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  process.stderr.write(`fly-machines-mcp: MCP over HTTP at ${served.url}\n`);
  const confirmModes = runtime.policyFile
    ? Object.values(agents).map((a) => a.destructive)
    : [runtime.localAccess.destructive];
  const notice = clientConfirmationNotice(confirmModes);
  if (notice) process.stderr.write(notice);
  closeOnSignals({ close: () => served.close().then(() => runtime.close()) }, { logger });
}

const program = new Command()
  .name("fly-machines-mcp")
  .description("MCP server for the Fly.io Machines API")
  .version(VERSION)
  .option(
    "--app <name>",
    "default app for tool calls (env FLY_MCP_APP; FLY_APP_NAME when not running on Fly)",
  )
  .option("--org <slug>", "default organization (env FLY_ORG_SLUG)")
  .addOption(new Option("--transport <kind>", "stdio or http").choices(["stdio", "http"]))
  .option("--sandbox", "talk to a built-in local emulation of the Machines API; no token needed")
  .option("--toolsets <list>", "comma-separated toolsets, or all (env FLY_MCP_TOOLSETS)")
  // Removed; kept hidden so that using it gets a hint instead of "unknown option".
  .addOption(new Option("--dynamic-toolsets").hideHelp())
  .addOption(
    new Option("--access <level>", "what the agent may do: read, write or all").choices([
      "read",
      "write",
      "all",
    ]),
  )
  .addOption(
    new Option("--destructive <mode>", "destructive actions: deny, confirm or allow").choices([
      "deny",
      "confirm",
      "allow",
    ]),
  )
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
  .option(
    "--allow-keyless-loopback",
    "HTTP on 127.0.0.1 without agent keys, with the flag policy (local development only)",
  )
  .option("--max-sessions <n>", "HTTP sessions open at once, all agents (default 100)")
  .option("--max-sessions-per-agent <n>", "HTTP sessions open at once per agent (default 20)")
  .option("--max-connections <n>", "open HTTP connections (default 512)")
  .option("--headers-timeout <seconds>", "time to receive a request's headers (default 10)")
  .option("--request-timeout <seconds>", "time to receive a whole request, body included (default 30)")
  .addOption(
    new Option(
      "--confirm-fallback <mode>",
      "when the client cannot ask a person: deny, or echo (repeat the call with the exact phrase)",
    ).choices(["deny", "echo"]),
  )
  .option(
    "--confirm-timeout <seconds>",
    "how long a confirmation waits for the person's answer (default 600)",
  )
  .option("--public-url <url>", "the server's public origin, e.g. https://my-mcp.fly.dev (names it in OAuth)")
  .option(
    "--oauth-issuer <url>",
    "accept access tokens from this OAuth authorization server, beside agent keys",
  )
  .option("--oauth-audience <aud>", "the aud access tokens must carry (default: the public URL of /mcp)")
  .option(
    "--oauth-client-id <id>",
    "client id for token introspection of opaque tokens (secret in env FLY_MCP_OAUTH_CLIENT_SECRET)",
  )
  .option("--redis-url <url>", "share state between replicas through Redis (env FLY_MCP_REDIS_URL)")
  .option(
    "--replicas <n>",
    "with --redis-url: replicas sharing Fly's limits, for when Redis is down (default 3)",
  )
  .option("--approval-ttl <seconds>", "how long a pending approval waits for an approver (default 900)")
  .option("--approval-webhook <url>", "POST each new pending approval here (JSON with its link)")
  .option("--approvals-url <url>", "public base URL for approval links (default: where the server listens)")
  .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent")
  .action((flags: CliFlags) => runServer(flags));

// The token is known to the scrubber before any flag is parsed: a token pasted into a flag is not echoed.
if (process.env.FLY_API_TOKEN) registerSecret(process.env.FLY_API_TOKEN);
if (process.env.FLY_MCP_OAUTH_CLIENT_SECRET) registerSecret(process.env.FLY_MCP_OAUTH_CLIENT_SECRET);
// So is the Redis URL, whose password must not reach a log line or an error either.
registerRedisUrl(process.env.FLY_MCP_REDIS_URL);
registerRedisUrl(redisUrlFlag(process.argv));

// Every commander error (unknown option, invalid choice, missing value) is a configuration error:
// exit code 2, and its text (which may quote what was typed) passes the scrubber.
program
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
  .configureOutput({ writeErr: (text) => process.stderr.write(scrubText(text)) });

program
  .command("hash-key")
  .description("read an agent key on stdin and print its SHA-256 for key_sha256 in the policy file")
  .action(async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const key = Buffer.concat(chunks).toString("utf8");
    if (!key.trim()) fail('hash-key: no key on stdin (try: printf %s "$KEY" | fly-machines-mcp hash-key)');
    process.stdout.write(`${hashKey(key)}\n`);
  });

program
  .command("sandbox")
  .description("serve the Machines API emulation over HTTP, for curl or any other client")
  .option("--port <port>", "port", "4280")
  .option("--host <host>", "bind address", "127.0.0.1")
  .option("--no-rate-limits", "turn Fly's per-action rate limits off")
  .action(async (opts: { port: string; host: string; rateLimits: boolean }) => {
    const port = decimal(opts.port) ?? Number.NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      fail("sandbox --port: must be a port number from 0 to 65535 in plain decimal, e.g. --port 4280");
    if (opts.host.trim() === "") fail("sandbox --host: must be an address, e.g. 127.0.0.1");
    const { startSandboxServer } = await import("./sandbox/index.js");
    const served = await startSandboxServer({ port, host: opts.host, rateLimits: opts.rateLimits });
    process.stderr.write(`Machines API sandbox listening on ${served.url} (any bearer token works)\n`);
    const stop = () => void served.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

program
  .command("config")
  .description(
    "print the entry for an MCP client (claude-desktop, claude-code, cursor, vscode, windsurf), or --write it",
  )
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

const approvals = program
  .command("approvals")
  .description(
    `list and decide pending approvals on a running server (approver key in env FLY_MCP_APPROVER_KEY)`,
  );
for (const [action, summary] of [
  ["list", "the pending approvals you may decide"],
  ["show", "one approval in detail"],
  ["approve", "let the agent's call go ahead (once, with the same arguments)"],
  ["deny", "refuse the agent's call"],
] as const) {
  const sub = approvals
    .command(action === "list" ? action : `${action} <id>`)
    .description(summary)
    .option("--url <url>", "the server, e.g. https://mcp.example.com (env FLY_MCP_URL)")
    .option("--key <key>", "approver key; prefer env FLY_MCP_APPROVER_KEY (a flag shows in ps)")
    .option("--json", "print JSON");
  if (action === "approve" || action === "deny")
    sub.option("--reason <text>", "why, for the audit log and the agent");
  sub.action(async (...params: unknown[]) => {
    const id = action === "list" ? undefined : (params[0] as string);
    const opts = params[action === "list" ? 0 : 1] as import("./approvals/cli.js").ApprovalsCliOptions;
    const { ApprovalsUsageError, runApprovals } = await import("./approvals/cli.js");
    if (opts.key) registerSecret(opts.key);
    if (process.env.FLY_MCP_APPROVER_KEY) registerSecret(process.env.FLY_MCP_APPROVER_KEY);
    try {
      const text = await runApprovals(
        action,
        id,
        { ...opts, url: opts.url ?? process.env.FLY_MCP_URL },
        process.env,
      );
      process.stdout.write(`${scrubText(text)}\n`);
    } catch (error) {
      if (error instanceof ApprovalsUsageError) fail(`approvals ${action}: ${error.message}`);
      process.stderr.write(`fly-machines-mcp: approvals ${action}: ${scrubText((error as Error).message)}\n`);
      process.exit(1);
    }
  });
}

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(
    `fly-machines-mcp: ${scrubText(error instanceof Error ? error.message : String(error))}\n`,
  );
  process.exit(1);
});
