/**
 * Human approval end to end, against the server in sandbox mode: an unattended agent asks to delete
 * a machine, a person approves it on the CLI, the agent goes ahead; a second request is denied.
 * Run with `npm run demo:approvals`.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { hashKey } from "./policy/agent-policy.js";

const out = (line = "") => process.stdout.write(`${line}\n`);
const cli = fileURLToPath(new URL("./cli.js", import.meta.url));
const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join(" ");

/** The approver at a terminal: the CLI, with the key in the environment. */
function approver(key: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, "approvals", ...args],
      { env: { ...process.env, FLY_MCP_APPROVER_KEY: key } },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim()),
    );
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fly-mcp-approvals-demo-"));
  // Made here: a key written in the repository would be public.
  const agentKey = randomBytes(24).toString("base64url");
  const aliceKey = randomBytes(24).toString("base64url");
  const policy = join(dir, "policy.yaml");
  writeFileSync(
    policy,
    `approvers:
  alice: { key_sha256: ${hashKey(aliceKey)} }
agents:
  nightly-cleanup:
    key_sha256: ${hashKey(agentKey)}
    access: [read, write]
    destructive: approve
`,
  );
  const auditFile = join(dir, "audit.jsonl");
  const server = spawn(
    process.execPath,
    [
      cli,
      "--sandbox",
      "--transport",
      "http",
      "--port",
      "0",
      "--policy",
      policy,
      "--audit-log",
      auditFile,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    server.stderr.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /MCP over HTTP at (\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    server.once("exit", (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
  });
  const base = new URL(url).origin;
  out(`Server: ${url} (sandbox); agent nightly-cleanup has destructive: approve; approver: alice\n`);

  const client = new Client({ name: "nightly-cleanup", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${agentKey}` } },
    }),
  );
  const call = async (name: string, args: Record<string, unknown>) => {
    out(`[agent] ${name} ${JSON.stringify(args)}`);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    out(`        ${result.isError ? "ERROR " : ""}${textOf(result).replace(/\n/g, "\n        ")}`);
    return result;
  };
  const idIn = (r: CallToolResult) => /apr_[A-Za-z0-9_-]{43}/.exec(textOf(r))![0];

  const app = "demo-app";
  const created = await call("machines_create", {
    app_name: app,
    name: "old-job",
    region: "iad",
    config: { image: "nginx:latest" },
  });
  const machine = (JSON.parse(textOf(created)) as { id: string }).id;
  const target = { app_name: app, machine_id: machine, force: true };

  const asked = await call("machines_delete", target);
  const id = idIn(asked);
  out(
    `\n[alice] fly-machines-mcp approvals list --url ${base}\n${await approver(aliceKey, "list", "--url", base)}`,
  );
  out(`[alice] fly-machines-mcp approvals approve ${id} --reason "old job, confirmed with the team"`);
  out(await approver(aliceKey, "approve", id, "--url", base, "--reason", "old job, confirmed with the team"));
  out();
  await call("machines_delete", { ...target, approval_id: id });
  await call("machines_delete", { ...target, approval_id: id });

  const second = await call("apps_delete", { app_name: app });
  const denyId = idIn(second);
  out(`\n[alice] fly-machines-mcp approvals deny ${denyId} --reason "the app still serves traffic"`);
  out(await approver(aliceKey, "deny", denyId, "--url", base, "--reason", "the app still serves traffic"));
  out();
  await call("apps_delete", { app_name: app, approval_id: denyId });

  await client.close();
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  out("\nAudit lines carrying an approval id:");
  for (const line of readFileSync(auditFile, "utf8")
    .split("\n")
    .filter((l) => l.includes('"approvalId"'))) {
    const e = JSON.parse(line) as Record<string, unknown>;
    out(
      `  ${e.event} ${e.tool} decision=${e.decision}${e.approver ? ` approver=${e.approver}` : ""}${e.reason ? ` reason="${e.reason}"` : ""}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
