import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandboxServer } from "../../src/sandbox/index.js";
import { VERSION } from "../../src/version.js";
import { CLI, cliEnv, spawnClient } from "../support/cli.js";
import { textOf } from "../support/harness.js";

const cleanEnv = cliEnv;

describe("the built CLI over stdio, in sandbox mode", () => {
  it("lists the tools, runs calls, and says it is a sandbox on stderr only", async () => {
    const { client, call, stderr } = await spawnClient([
      "--sandbox",
      "--access",
      "all",
      "--destructive",
      "allow",
    ]);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(32); // core + platform, the default toolsets
    const list = await call("machines_list", { app_name: "demo-app" });
    expect(JSON.parse(textOf(list)).machines).toHaveLength(2);
    const created = JSON.parse(
      textOf(await call("machines_create", { app_name: "demo-app", config: { image: "nginx" } })),
    );
    const wait = await call("machines_wait", { app_name: "demo-app", machine_id: created.id, timeout: 10 });
    expect(JSON.parse(textOf(wait))).toMatchObject({ ok: true, state: "started" });
    const exec = await call("machines_exec", {
      app_name: "demo-app",
      machine_id: created.id,
      command: ["echo", "hi"],
    });
    expect(JSON.parse(textOf(exec)).stdout).toBe("hi\n");
    const del = await call("machines_delete", { app_name: "demo-app", machine_id: created.id, force: true });
    expect(del.isError, textOf(del)).toBeFalsy();
    await client.close();
    expect(stderr()).toContain("SANDBOX MODE");
  });

  it("defaults to read access: only read tools are listed and a write is denied", async () => {
    const { client, call } = await spawnClient(["--sandbox"]);
    const { tools } = await client.listTools();
    expect(tools.every((t) => t.annotations?.readOnlyHint)).toBe(true);
    const denied = await call("machines_start", { app_name: "demo-app", machine_id: "0123456789abcd" });
    expect(textOf(denied)).toContain("--access write");
    await client.close();
  });

  it("a token scope from the sandbox's token convention caps the agent", async () => {
    const { client } = await spawnClient(["--sandbox", "--access", "all"], {
      FLY_API_TOKEN: "sandbox-readonly",
    });
    const { tools } = await client.listTools();
    expect(tools.some((t) => t.name === "machines_start")).toBe(false);
    await client.close();
  });
});

describe("the built CLI against a sandbox served over HTTP, like a real Fly endpoint", () => {
  let served: Awaited<ReturnType<typeof startSandboxServer>>;
  beforeAll(async () => {
    served = await startSandboxServer({ port: 0, transitionMs: 0, rateLimits: false });
  });
  afterAll(() => served.close());

  it("uses FLY_API_HOSTNAME and FLY_API_TOKEN, with FLY_APP_NAME as the default app", async () => {
    const { client, call } = await spawnClient(["--access", "write", "--token-scope", "org"], {
      FLY_API_HOSTNAME: served.url,
      FLY_API_TOKEN: "sandbox",
      FLY_APP_NAME: "demo-app",
    });
    const result = await call("machines_list", {});
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(JSON.parse(textOf(result)).machines).toHaveLength(2);
    await client.close();
  });

  it("a bad token surfaces Fly's 401 with what to do", async () => {
    const { client, call } = await spawnClient(["--token-scope", "org"], {
      FLY_API_HOSTNAME: served.url,
      FLY_API_TOKEN: "sandbox-invalid",
    });
    const result = await call("apps_list", { org_slug: "personal" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("401");
    expect(textOf(result)).toContain("FLY_API_TOKEN");
    expect(textOf(result)).not.toContain("sandbox-invalid");
    await client.close();
  });
});

describe("the CLI's own answers", () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(env), encoding: "utf8", timeout: 20_000 });

  it("--version and --help", () => {
    expect(run(["--version"]).stdout.trim()).toBe(VERSION);
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    for (const flag of ["--sandbox", "--access", "--destructive", "--token-scope", "--policy", "--transport"])
      expect(help.stdout).toContain(flag);
  });

  it("invalid configuration: one clear line on stderr and exit code 2", () => {
    const missing = run([]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("FLY_API_TOKEN");
    const badApp = run(["--app", "Not/An/App"], { FLY_API_TOKEN: "x" });
    expect(badApp.status).toBe(2);
    expect(badApp.stderr).toContain("--app");
    expect(badApp.stdout).toBe("");
  });

  it("hash-key prints the SHA-256 of the key on stdin", () => {
    const out = spawnSync(process.execPath, [CLI, "hash-key"], { input: "abc\n", encoding: "utf8" });
    expect(out.stdout.trim()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
