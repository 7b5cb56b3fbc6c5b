import { mkdtempSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditWriteError, createAuditLog } from "../../src/policy/audit.js";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

/**
 * A disk that fails one line part-way, as write(2) does: a short write of `bytes` bytes, then an
 * error for the rest (or the error at once when `bytes` is 0).
 */
function failingOnce(bytes: number) {
  const state = { failNext: false };
  let shortWritten = false;
  const write = (fd: number, buffer: Buffer): number => {
    if (!state.failNext) return writeSync(fd, buffer);
    if (bytes > 0 && !shortWritten) {
      shortWritten = true;
      return writeSync(fd, buffer.subarray(0, bytes));
    }
    state.failNext = false;
    shortWritten = false;
    throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
  };
  return { state, write };
}

const tempLog = () => join(mkdtempSync(join(tmpdir(), "audit-partial-")), "audit.log");
const rawLines = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const parses = (line: string) => {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

describe("an audit write that fails part-way", () => {
  it("refuses that line and leaves the next one whole and parseable", () => {
    const path = tempLog();
    const disk = failingOnce(20);
    const log = createAuditLog({ destination: path, writeSync: disk.write, onError: () => {} });
    log.record({ agent: "a", tool: "apps_list", decision: "allow" });
    disk.state.failNext = true;
    expect(() => log.record({ agent: "a", tool: "machines_stop", decision: "allow" })).toThrow(
      AuditWriteError,
    );
    log.record({ agent: "a", tool: "machines_start", decision: "allow" });

    const lines = rawLines(path);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({ tool: "apps_list" });
    // The 20 bytes that got out before the failure stay, alone on their line.
    expect(lines[1]).toHaveLength(20);
    expect(parses(lines[1]!)).toBe(false);
    expect(JSON.parse(lines[2]!)).toMatchObject({ tool: "machines_start", decision: "allow" });
  });

  it("adds no blank line when the failed write wrote nothing", () => {
    const path = tempLog();
    const disk = failingOnce(0);
    const log = createAuditLog({ destination: path, writeSync: disk.write, onError: () => {} });
    disk.state.failNext = true;
    expect(() => log.record({ agent: "a", tool: "t1", decision: "allow" })).toThrow(AuditWriteError);
    log.record({ agent: "a", tool: "t2", decision: "allow" });
    expect(rawLines(path).map((l) => JSON.parse(l).tool)).toEqual(["t2"]);
  });

  describe("through the server", () => {
    const fly = useFlyMock();

    it("the call is not made, and the next call's line parses", async () => {
      const path = tempLog();
      const disk = failingOnce(7);
      const audit = createAuditLog({ destination: path, writeSync: disk.write, onError: () => {} });
      fly.reply("GET", "/v1/apps/demo-app", () => json({ id: "a1", name: "demo-app" }));
      const client = await connect(mockedServer({ audit }));

      disk.state.failNext = true;
      const refused = await call(client, "apps_get", { app_name: "demo-app" });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain("audit log could not be written");
      expect(fly.requests).toHaveLength(0);

      const done = await call(client, "apps_get", { app_name: "demo-app" });
      expect(done.isError).toBeFalsy();
      expect(fly.requests).toHaveLength(1);
      const lines = rawLines(path);
      expect(lines[0]).toHaveLength(7);
      const after = lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(after.map((l) => l.event)).toEqual(["tool_call", "tool_result"]);
      await client.close();
      await audit.close();
    });
  });
});
