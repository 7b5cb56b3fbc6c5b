/**
 * The demo's second part: a stateless HTTP server (what several replicas run) confirming a
 * destructive call by round trip with a 2026-07-28 client. No session holds the question: the
 * answer arrives on a second call.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

export async function statelessConfirmation(
  cli: string,
  auditFile: string,
  out: (line?: string) => void,
): Promise<void> {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      cli,
      "--sandbox",
      "--transport",
      "http",
      "--stateless",
      "--allow-keyless-loopback",
      "--port",
      String(port),
      "--access",
      "all",
      "--destructive",
      "confirm",
      "--audit-log",
      auditFile,
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, FLY_MCP_STATE_KEY: "" } },
  );
  let stderr = "";
  const listening = new Promise<string>((resolve, reject) => {
    server.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /MCP over HTTP at (\S+)/.exec(stderr)?.[1];
      if (url) resolve(url);
    });
    server.once("exit", (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  try {
    const url = await listening;
    out(`\nThe same sandbox over HTTP with --stateless, and a 2026-07-28 client (no sessions):`);
    for (const line of stderr.split("\n").filter((l) => l.includes("FLY_MCP_STATE_KEY"))) {
      out(`   [server] ${line.slice(0, 160)}…`);
    }
    const client = new Client(
      { name: "demo-agent-2026", version: "1.0.0" },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: "2026-07-28" } } },
    );
    client.setRequestHandler("elicitation/create", async (request) => {
      out(`   [human] asked: "${(request.params as { message: string }).message.slice(0, 120)}…" -> yes`);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    out(`   era: ${client.getProtocolEra()}`);
    const args = { app_name: "demo-app", config: { image: "nginx:latest" } };
    const created = await client.callTool({ name: "machines_create", arguments: args });
    const machine = JSON.parse((created.content as { text: string }[])[0]!.text).id as string;
    out(`   machines_create -> ${machine}`);
    // The client answers input_required and calls again with the signed requestState.
    const deleted = await client.callTool({
      name: "machines_delete",
      arguments: { app_name: "demo-app", machine_id: machine, force: true },
    });
    out(`   machines_delete -> ${deleted.isError ? "ERROR" : "ok"}, confirmed by round trip`);
    await client.close();
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit").catch(() => undefined);
  }
}
