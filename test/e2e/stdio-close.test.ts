import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";

const CLI = "dist/cli.js";

/** Generous on a busy machine, and still far below the 60 s the wait would otherwise hold. */
const EXIT_BOUND_MS = 20_000;

describe("the built CLI over stdio when the client goes away", () => {
  it("aborts the call in flight, audits it as aborted and exits once stdin closes", async () => {
    const auditLog = join(mkdtempSync(join(tmpdir(), "stdio-close-")), "audit.log");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "--sandbox", "--audit-log", auditLog],
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn" },
      stderr: "pipe",
    });
    const client = new Client({ name: "leaves-early", version: "1.0.0" });
    await client.connect(transport);
    // The transport's close() would also signal the process; this client only hangs up.
    const child = (transport as unknown as { _process: ChildProcess })._process;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    const list = (await client.callTool({
      name: "machines_list",
      arguments: { app_name: "demo-app" },
    })) as CallToolResult;
    const machine = (JSON.parse((list.content[0] as { text: string }).text) as { machines: { id: string }[] })
      .machines[0]!.id;

    // Fly's client reports the long wait just before it sends it: from then on the request is out.
    let sent!: () => void;
    const waiting = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const call = client
      .callTool(
        {
          name: "machines_wait",
          arguments: { app_name: "demo-app", machine_id: machine, state: "destroyed", timeout: 60 },
        },
        undefined,
        { onprogress: () => sent(), timeout: 120_000 },
      )
      .catch(() => undefined);
    await waiting;

    child.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<"still running">((resolve) => {
        timer = setTimeout(() => resolve("still running"), EXIT_BOUND_MS);
      }),
    ]);
    clearTimeout(timer);
    if (code === "still running") child.kill("SIGKILL");
    await call;
    expect(code).toBe(0);

    const lines = readFileSync(auditLog, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const waits = lines.filter((l) => l.tool === "machines_wait");
    expect(waits.at(-1)).toMatchObject({ agent: expect.any(String), status: "aborted" });
  }, 60_000);
});
