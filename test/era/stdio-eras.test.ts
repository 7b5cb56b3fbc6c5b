import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, cliEnv } from "../support/cli.js";
import { textOf } from "../support/harness.js";
import { MODERN } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "fly-mcp-eras-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (audit: string) => [
  "--sandbox",
  "--access",
  "all",
  "--destructive",
  "confirm",
  "--audit-log",
  audit,
];

const auditDecisions = (file: string, tool: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { tool?: string; decision: string })
    .filter((e) => e.tool === tool)
    .map((e) => e.decision);

type CallResult = { isError?: boolean; content?: { type: string; text?: string }[] };

// Each test starts the built CLI (and a client) as processes: on a loaded machine that alone can take
// most of the default 20 s.
describe("both eras over stdio, against the built CLI", { timeout: 60_000 }, () => {
  it("a 2026-07-28 client (server/discover) lists, calls and confirms by round trip", async () => {
    const audit = join(dir, "modern.jsonl");
    const answers: boolean[] = [false, true];
    const client = new Client(
      { name: "modern-stdio", version: "1.0.0" },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: MODERN } } },
    );
    client.setRequestHandler("elicitation/create", async () =>
      answers.shift() ? { action: "accept", content: { confirm: true } } : { action: "decline" },
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, ...flags(audit)],
        env: cliEnv(),
        stderr: "pipe",
      }),
    );
    expect(client.getProtocolEra()).toBe("modern");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("machines_delete");
    const call = async (name: string, args: Record<string, unknown>) =>
      (await client.callTool({ name, arguments: args })) as CallResult;
    const created = JSON.parse(
      textOf((await call("machines_create", { app_name: "demo-app", config: { image: "nginx" } })) as never),
    );
    const target = { app_name: "demo-app", machine_id: created.id, force: true };
    const declined = await call("machines_delete", target);
    expect(declined.isError).toBe(true);
    expect(textOf(declined as never)).toContain("declined");
    const deleted = await call("machines_delete", target);
    expect(deleted.isError, textOf(deleted as never)).toBeFalsy();
    const gone = await call("machines_get", { app_name: "demo-app", machine_id: created.id });
    expect(textOf(gone as never)).toMatch(/"state":"destroy(ing|ed)"|not found/i);
    await client.close();
    expect(auditDecisions(audit, "machines_delete")).toEqual([
      "confirm-asked-round-trip",
      "confirm-declined-round-trip",
      "confirm-asked-round-trip",
      "confirm-accepted-round-trip",
      "confirm-accepted-round-trip",
    ]);
  });

  it("a 2025-11-25 client (initialize) on the same command is asked by elicitation, as before", async () => {
    const audit = join(dir, "legacy.jsonl");
    const client = new LegacyClient(
      { name: "legacy-stdio", version: "1.0.0" },
      { capabilities: { elicitation: { form: {} } } },
    );
    const asked: string[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: "accept", content: { confirm: true } };
    });
    await client.connect(
      new LegacyStdioClientTransport({
        command: process.execPath,
        args: [CLI, ...flags(audit)],
        env: cliEnv(),
        stderr: "pipe",
      }),
    );
    const created = JSON.parse(
      textOf(
        (await client.callTool({
          name: "machines_create",
          arguments: { app_name: "demo-app", config: { image: "nginx" } },
        })) as never,
      ),
    );
    const deleted = await client.callTool({
      name: "machines_delete",
      arguments: { app_name: "demo-app", machine_id: created.id, force: true },
    });
    expect(deleted.isError, textOf(deleted as never)).toBeFalsy();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain(created.id);
    await client.close();
    expect(auditDecisions(audit, "machines_delete")).toEqual(["confirm-accepted", "confirm-accepted"]);
  });

  it("a FLY_MCP_STATE_KEY shorter than 32 bytes stops start-up with exit 2 and is never echoed", () => {
    const secret = "short-but-secret-value";
    const run = spawnSync(process.execPath, [CLI, "--sandbox"], {
      env: cliEnv({ FLY_MCP_STATE_KEY: secret }),
      encoding: "utf8",
      input: "",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("FLY_MCP_STATE_KEY");
    expect(run.stderr).toContain("at least 32");
    expect(run.stderr + run.stdout).not.toContain(secret);
  });

  it("--stateless without FLY_MCP_STATE_KEY warns that replicas cannot share confirmations", async () => {
    const startup = async (env: Record<string, string>) => {
      const server = spawn(
        process.execPath,
        [CLI, "--sandbox", "--transport", "http", "--stateless", "--allow-keyless-loopback", "--port", "0"],
        { env: cliEnv(env), stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      await new Promise<void>((resolve, reject) => {
        server.stderr!.on("data", (c: Buffer) => {
          stderr += c.toString();
          if (stderr.includes("MCP over HTTP at")) resolve();
        });
        server.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      server.kill("SIGTERM");
      await once(server, "exit");
      return stderr;
    };
    expect(await startup({})).toContain("no FLY_MCP_STATE_KEY");
    const key = "k".repeat(40);
    const withKey = await startup({ FLY_MCP_STATE_KEY: key });
    expect(withKey).not.toContain("no FLY_MCP_STATE_KEY");
    expect(withKey).not.toContain(key);
  }, 60_000);
});
