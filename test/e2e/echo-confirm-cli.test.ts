import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnClient } from "../support/cli.js";
import { textOf } from "../support/harness.js";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The built CLI over stdio with the sandbox, driven by an SDK client that has no elicitation (as Claude Desktop). */
async function session(fallback: "echo" | "deny") {
  const auditLog = join(mkdtempSync(join(tmpdir(), "echo-cli-")), "audit.log");
  const s = await spawnClient([
    "--sandbox",
    "--access",
    "write",
    "--token-scope",
    "org",
    "--confirm-fallback",
    fallback,
    "--audit-log",
    auditLog,
  ]);
  closers.push(() => s.client.close());
  const listed = JSON.parse(textOf(await s.call("machines_list", { app_name: "demo-app" }))) as {
    machines: Array<{ id: string; name: string }>;
  };
  const worker = listed.machines.find((m) => m.name === "demo-worker")!.id;
  const decisions = () =>
    readFileSync(auditLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tool: string; decision: string })
      .filter((e) => e.tool === "machines_delete")
      .map((e) => e.decision);
  return { ...s, worker, decisions };
}

describe("--confirm-fallback over stdio, client without elicitation", () => {
  it("echo: the phrase from the refusal, typed back, deletes the machine", async () => {
    const s = await session("echo");
    const args = { app_name: "demo-app", machine_id: s.worker };
    const refusal = textOf(await s.call("machines_delete", args));
    const phrase = /confirm: "([^"]+)"/.exec(refusal)?.[1] ?? expect.unreachable(refusal);
    expect(phrase).toMatch(new RegExp(`^delete machine ${s.worker} in app demo-app #[0-9a-f]{8}$`));
    const done = await s.call("machines_delete", { ...args, confirm: phrase });
    expect(done.isError).toBeFalsy();
    const gone = await s.call("machines_get", args);
    expect(textOf(gone)).toMatch(/destroy/);
    expect(s.decisions()).toEqual(["confirm-echo-requested", "confirmed-by-echo", "confirmed-by-echo"]);
  });

  it("deny (the default): no phrase is offered and one typed anyway changes nothing", async () => {
    const s = await session("deny");
    const args = { app_name: "demo-app", machine_id: s.worker };
    const refusal = await s.call("machines_delete", {
      ...args,
      confirm: `delete machine ${s.worker} in app demo-app`,
    });
    expect(refusal.isError).toBe(true);
    expect(textOf(refusal)).not.toContain('confirm: "');
    expect(textOf(await s.call("machines_get", args))).not.toMatch(/destroy/);
    expect(s.decisions()).toEqual(["confirm-declined"]);
  });
});
