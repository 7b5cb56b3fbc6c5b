import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, IMAGE, quickSandbox, seeded } from "./helpers.js";

describe("sandbox exec", () => {
  let sb: Sandbox;
  let web: string;
  beforeEach(() => {
    sb = quickSandbox();
    web = seeded(sb, "demo-web");
  });

  const exec = (body: unknown, id = web) => call(sb, "POST", `/apps/demo-app/machines/${id}/exec`, { body });

  it("echo prints its arguments", async () => {
    const res = await exec({ command: ["echo", "hello", "world"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stdout: "hello world\n", stderr: "", exit_code: 0, exit_signal: 0 });
  });

  it("answers 200 with exit_code 127 for an unknown command", async () => {
    const res = await exec({ command: ["frobnicate", "--now"] });
    expect(res.status).toBe(200);
    expect(res.body.exit_code).toBe(127);
    expect(res.body.stderr).toContain("sh: frobnicate: not found");
  });

  it("runs the small command set deterministically", async () => {
    expect((await exec({ command: ["false"] })).body.exit_code).toBe(1);
    expect((await exec({ command: ["true"] })).body.exit_code).toBe(0);
    expect((await exec({ command: ["cat"], stdin: "piped" })).body.stdout).toBe("piped");
    expect((await exec({ command: ["hostname"] })).body.stdout).toBe(`${web}\n`);
    expect((await exec({ command: ["uname"] })).body.stdout).toBe("Linux\n");
    expect((await exec({ command: ["pwd"] })).body.stdout).toBe("/\n");
    expect((await exec({ command: ["env"] })).body.stdout).toContain("APP_ROLE=web\n");
    expect((await exec({ command: ["sleep", "2"] })).body.exit_code).toBe(0);
    expect((await exec({ command: ["exit", "7"] })).body.exit_code).toBe(7);
    expect((await exec({ command: ["sh", "-c", "echo a && false || echo b; exit 4"] })).body).toMatchObject({
      stdout: "a\nb\n",
      exit_code: 4,
    });
  });

  it("accepts the deprecated cmd string", async () => {
    expect((await exec({ cmd: "echo 'two words'" })).body.stdout).toBe("two words\n");
  });

  it("reads files written by config.files", async () => {
    const m = await createMachine(sb, {
      config: {
        image: IMAGE,
        files: [{ guest_path: "/etc/app.conf", raw_value: Buffer.from("x=1\n").toString("base64") }],
      },
    });
    expect((await exec({ command: ["cat", "/etc/app.conf"] }, m.id)).body.stdout).toBe("x=1\n");
    expect((await exec({ command: ["cat", "/nope"] }, m.id)).body.exit_code).toBe(1);
  });

  it("answers 408 when the command outlives timeout", async () => {
    const res = await exec({ command: ["sleep", "30"], timeout: 2 });
    expect(res.status).toBe(408);
  });

  it("refuses a machine that is not started with 412", async () => {
    const res = await exec({ command: ["echo", "hi"] }, seeded(sb, "demo-worker"));
    expect(res.status).toBe(412);
    expect(res.body.error).toMatch(/not started \(state: stopped\)/);
  });

  it("validates the body", async () => {
    expect((await exec({})).status).toBe(400);
    expect((await exec({ command: "echo hi" })).status).toBe(400);
    expect((await exec({ command: ["echo"], timeout: "5s" })).body.error).toContain(
      "MachineExecRequest.timeout",
    );
    expect((await exec({ command: ["echo"], container: "sidecar" })).status).toBe(400);
  });
});
