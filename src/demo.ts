/**
 * A scripted agent session against the server in sandbox mode, through the real MCP client over
 * stdio: what an agent sees, call by call. Run with `npm run demo`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type CallToolResult, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { statelessConfirmation } from "./demo-stateless.js";

const out = (line = "") => process.stdout.write(`${line}\n`);
const short = (text: string, max = 220) => (text.length > max ? `${text.slice(0, max)}…` : text);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "fly-mcp-demo-"));
  const auditFile = join(dir, "audit.jsonl");
  const cli = fileURLToPath(new URL("./cli.js", import.meta.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      cli,
      "--sandbox",
      "--access",
      "all",
      "--destructive",
      "confirm",
      "--audit-log",
      auditFile,
      "--log-level",
      "warn",
    ],
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) out(`   [server] ${short(line, 160)}`);
  });

  // The human at the keyboard: the script answers the server's confirmation questions.
  const answers: boolean[] = [];
  const client = new Client({ name: "demo-agent", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    const yes = answers.shift() ?? false;
    out(`   [human] asked: "${short(request.params.message, 160)}" -> ${yes ? "yes" : "no"}`);
    return yes ? { action: "accept", content: { confirm: true } } : { action: "decline" };
  });

  await client.connect(transport);
  const { tools } = await client.listTools();
  out(
    `Connected to ${client.getServerVersion()?.name} ${client.getServerVersion()?.version}: ${tools.length} tools listed.\n`,
  );

  let step = 0;
  const callTool = async (
    name: string,
    args: Record<string, unknown>,
    note = "",
  ): Promise<CallToolResult> => {
    step += 1;
    out(`${String(step).padStart(2)}. ${name} ${JSON.stringify(args)}${note ? `   # ${note}` : ""}`);
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join(" ");
    out(`    ${result.isError ? "ERROR" : "ok   "} ${short(text.replace(/\s*\n\s*/g, " | "))}`);
    return result;
  };
  const data = (result: CallToolResult) => JSON.parse((result.content[0] as { text: string }).text);

  const app = "demo-app";
  await callTool("apps_list", { org_slug: "personal" });
  await callTool("machines_list", { app_name: app });
  const created = data(
    await callTool("machines_create", {
      app_name: app,
      name: "demo-job",
      region: "iad",
      config: {
        image: "nginx:latest",
        guest: { cpu_kind: "shared", cpus: 1, memory_mb: 256 },
        env: { MODE: "demo" },
      },
    }),
  );
  const machine = created.id as string;
  await callTool("machines_wait", { app_name: app, machine_id: machine, state: "started", timeout: 10 });
  await callTool("machines_exec", {
    app_name: app,
    machine_id: machine,
    command: ["echo", "hello from the sandbox"],
  });
  await callTool(
    "machines_exec",
    { app_name: app, machine_id: machine, command: ["no-such-tool"] },
    "fails inside: exit_code 127",
  );
  const lease = data(
    await callTool("leases_acquire", { app_name: app, machine_id: machine, ttl: 60, description: "demo" }),
  );
  await callTool("machines_stop", { app_name: app, machine_id: machine }, "without the nonce: refused");
  await callTool("machines_stop", {
    app_name: app,
    machine_id: machine,
    lease_nonce: lease.nonce,
    timeout: "5s",
  });
  await callTool("machines_wait", { app_name: app, machine_id: machine, state: "stopped", timeout: 10 });
  await callTool("machines_events", { app_name: app, machine_id: machine, limit: 5 });
  await callTool("machines_versions", { app_name: app, machine_id: machine });
  await callTool(
    "secrets_list",
    { app_name: app, show_secrets: true },
    "the policy keeps secret values hidden",
  );
  answers.push(false);
  await callTool("apps_delete", { app_name: app }, "destructive: the human says no");
  await callTool("leases_release", { app_name: app, machine_id: machine, lease_nonce: lease.nonce });
  answers.push(true);
  await callTool(
    "machines_delete",
    { app_name: app, machine_id: machine },
    "destructive: the human says yes",
  );
  await callTool("machines_list", { app_name: app });

  await client.close();
  const audit = readFileSync(auditFile, "utf8").split("\n").filter(Boolean);
  const decisions = audit.map((line) => (JSON.parse(line) as { decision?: string }).decision ?? "?");
  const counts = Object.entries(
    decisions.reduce<Record<string, number>>((acc, d) => {
      acc[d] = (acc[d] ?? 0) + 1;
      return acc;
    }, {}),
  ).map(([d, n]) => `${n} ${d}`);
  out(
    `\nAudit log: ${audit.length} lines (${counts.join(", ")}). Last line:\n  ${short(audit.at(-1) ?? "", 400)}`,
  );
  const statelessAudit = join(dir, "stateless-audit.jsonl");
  await statelessConfirmation(cli, statelessAudit, out);
  const last = readFileSync(statelessAudit, "utf8").split("\n").filter(Boolean);
  const kinds = last.map((line) => (JSON.parse(line) as { decision?: string }).decision).filter(Boolean);
  out(`   audit: ${kinds.join(", ")}`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
