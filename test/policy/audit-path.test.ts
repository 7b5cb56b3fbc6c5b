import { mkdtempSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkWritableFile } from "../../src/policy/audit-path.js";

const temp = () => mkdtempSync(join(tmpdir(), "audit-path-"));

describe("checkWritableFile", () => {
  it.each([
    ["/proc", "/proc"],
    ["/proc/self/status", "/proc"],
    ["/sys/kernel/x.log", "/sys"],
    ["/dev/null", "/dev"],
    ["/dev", "/dev"],
  ])("%s is refused as pointing into %s", (path, root) => {
    expect(() => checkWritableFile(path, "--audit-log")).toThrow(
      `--audit-log ${path}: points into ${root}, not a log file; give a path to a regular file`,
    );
  });

  it("follows links: a link to a pseudo-file, or a new file in a linked folder, is refused", () => {
    const dir = temp();
    symlinkSync("/proc/self/status", join(dir, "status"));
    expect(() => checkWritableFile(join(dir, "status"), "--audit-log")).toThrow(/points into \/proc,/);
    symlinkSync("/dev", join(dir, "devices"));
    expect(() => checkWritableFile(join(dir, "devices", "new.log"), "--audit-log")).toThrow(
      /points into \/dev,/,
    );
  });

  it("a link to a missing file is refused, wherever it points: opening it would create its target", () => {
    const dir = temp();
    const link = join(dir, "audit.log");
    symlinkSync("/dev/fly-mcp-audit-missing", link);
    expect(() => checkWritableFile(link, "--audit-log")).toThrow(
      `--audit-log ${link}: is a link to a missing file; give a path to a regular file`,
    );
    const local = join(dir, "local.log");
    symlinkSync(join(dir, "not-yet.log"), local);
    expect(() => checkWritableFile(local, "--audit-log")).toThrow(/is a link to a missing file/);
  });

  it("a name that only starts like a pseudo root is an ordinary path", () => {
    expect(() => checkWritableFile("/devlogs-that-do-not-exist/audit.log", "--audit-log")).not.toThrow();
    expect(() => checkWritableFile(join(temp(), "proc"), "--audit-log")).not.toThrow();
  });

  it("a new file, and an existing regular file, are fine", () => {
    const dir = temp();
    expect(() => checkWritableFile(join(dir, "a", "b", "audit.log"), "--audit-log")).not.toThrow();
    expect(() => checkWritableFile("/etc/hostname", "--audit-log")).not.toThrow();
  });

  it("a path that cannot be looked at says why, naming the setting it was given as", () => {
    expect(() => checkWritableFile("/etc/hostname/audit.log", "--x")).toThrow(
      "--x /etc/hostname/audit.log: cannot be read (ENOTDIR); give a writable file path",
    );
    expect(() => checkWritableFile(temp(), "--x")).toThrow(
      /^--x .*: is a folder; give a path to a regular file$/,
    );
  });

  it("a socket is refused as not a regular file", async () => {
    const path = join(temp(), "audit.sock");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect(() => checkWritableFile(path, "--audit-log")).toThrow(
        `--audit-log ${path}: is not a regular file; give a path to a regular file`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
