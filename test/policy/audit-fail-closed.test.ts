import { fstatSync, mkdtempSync, readFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuditWriteError, createAuditLog } from "../../src/policy/audit.js";

const LINE_TIME = new Date("2026-03-04T05:06:07.000Z");

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(LINE_TIME);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A stand-in for write(2) that keeps what it is given instead of writing it. */
function capture() {
  const fds: number[] = [];
  const chunks: string[] = [];
  const write = (fd: number, buffer: Buffer): number => {
    fds.push(fd);
    chunks.push(buffer.toString("utf8"));
    return buffer.length;
  };
  return { fds, chunks, write, text: () => chunks.join("") };
}

const errno = (message: string, code: string) => Object.assign(new Error(message), { code });

/** The error an action throws, so its class and exact message can both be checked. */
function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

const codeOf = (action: () => unknown) => (thrown(action) as NodeJS.ErrnoException).code;

const entry = { agent: "ci", tool: "machines_stop", decision: "allow" } as const;
const LINE =
  '{"level":"info","time":"2026-03-04T05:06:07.000Z","event":"tool_call","agent":"ci","tool":"machines_stop","decision":"allow"}\n';

describe("with no destination the audit log writes to standard error", () => {
  it("writes each line to descriptor 2", () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: disk.write });
    log.record(entry);
    expect(disk.fds).toEqual([2]);
    expect(disk.text()).toBe(LINE);
  });

  it("closing the log leaves standard error open", async () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: disk.write });
    await log.close();
    expect(fstatSync(2)).toBeDefined();
  });
});

describe("exact secrets the log is given", () => {
  it("are replaced from eight characters on", () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: disk.write, secrets: ["k3y-2026"] });
    log.record({ ...entry, reason: "rejected k3y-2026 here" });
    expect(JSON.parse(disk.text()).reason).toBe("rejected [redacted] here");
  });

  it("one that is shorter than eight characters once trimmed is ignored, padding and all", () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: disk.write, secrets: ["  pw12  "] });
    log.record({ ...entry, reason: "said  pw12  twice" });
    expect(JSON.parse(disk.text()).reason).toBe("said  pw12  twice");
  });
});

describe("a line that cannot be written stops the call (fail closed)", () => {
  it("throws an AuditWriteError that says why", () => {
    const log = createAuditLog({
      onError: () => {},
      writeSync: () => {
        throw errno("EIO: i/o error, write", "EIO");
      },
    });
    const error = thrown(() => log.record(entry));
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(error.name).toBe("AuditWriteError");
    expect(error.message).toBe("the audit log could not be written: EIO: i/o error, write");
  });

  it("the error message has the log's secrets removed", () => {
    const log = createAuditLog({
      onError: () => {},
      secrets: ["hunter2-long"],
      writeSync: () => {
        throw new Error("cannot write hunter2-long");
      },
    });
    expect(thrown(() => log.record(entry)).message).toBe(
      "the audit log could not be written: cannot write [redacted]",
    );
  });

  it("passes the failure to onError, and does not also report it on stderr", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const failure = errno("ENOSPC: no space left on device, write", "ENOSPC");
    const seen: Error[] = [];
    const log = createAuditLog({
      onError: (error) => seen.push(error),
      writeSync: () => {
        throw failure;
      },
    });
    expect(() => log.record(entry)).toThrow(AuditWriteError);
    expect(seen).toEqual([failure]);
    expect(stderr).not.toHaveBeenCalled();
  });

  it("a thrown non-Error still refuses the call, with its text", () => {
    const seen: Error[] = [];
    const log = createAuditLog({
      onError: (error) => seen.push(error),
      writeSync: () => {
        throw "disk gone";
      },
    });
    expect(thrown(() => log.record(entry)).message).toBe("the audit log could not be written: disk gone");
    expect(seen.map((e) => e.message)).toEqual(["disk gone"]);
  });

  it("without onError, reports the first failure once on stderr, secrets removed", () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const log = createAuditLog({
      secrets: ["hunter2-long"],
      writeSync: () => {
        throw new Error("EIO writing hunter2-long");
      },
    });
    expect(() => log.record(entry)).toThrow(AuditWriteError);
    expect(() => log.record(entry)).toThrow(AuditWriteError);
    expect(stderr.mock.calls).toEqual([["audit log: write failed: EIO writing [redacted]\n"]]);
  });

  it("an error that is not 'busy' is not retried", () => {
    let calls = 0;
    const log = createAuditLog({
      onError: () => {},
      writeSync: () => {
        calls++;
        throw errno("EIO: i/o error, write", "EIO");
      },
    });
    expect(() => log.record(entry)).toThrow(AuditWriteError);
    expect(calls).toBe(1);
  });
});

describe("a full pipe is waited for, not treated as a failure", () => {
  it.each(["EAGAIN", "EBUSY"])(
    "a write that fails with %s once is tried again and the line is whole",
    (code) => {
      const disk = capture();
      let failed = false;
      const log = createAuditLog({
        onError: () => {},
        writeSync: (fd, buffer) => {
          if (failed) return disk.write(fd, buffer);
          failed = true;
          throw errno(`${code}: resource temporarily unavailable, write`, code);
        },
      });
      log.record(entry);
      expect(disk.text()).toBe(LINE);
    },
  );

  it("a short write is followed by the rest of the line", () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: (fd, buffer) => disk.write(fd, buffer.subarray(0, 10)) });
    log.record(entry);
    expect(disk.chunks[0]).toBe('{"level":"');
    expect(disk.text()).toBe(LINE);
  });
});

describe("a closed audit log", () => {
  it("refuses every later line, saying it is closed, and writes nothing", async () => {
    const disk = capture();
    const log = createAuditLog({ writeSync: disk.write });
    await log.close();
    const error = thrown(() => log.record(entry));
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(error.message).toBe("the audit log is closed");
    expect(disk.chunks).toEqual([]);
  });

  it("close returns a promise each time, and a second close is harmless", async () => {
    const log = createAuditLog({ writeSync: capture().write });
    await expect(log.close()).resolves.toBeUndefined();
    await expect(log.close()).resolves.toBeUndefined();
  });

  it("closing a file log releases its file descriptor", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-close-")), "audit.log");
    const fds: number[] = [];
    const log = createAuditLog({
      destination: path,
      writeSync: (fd, buffer) => {
        fds.push(fd);
        return writeSync(fd, buffer);
      },
    });
    log.record(entry);
    const fd = fds[0]!;
    expect(fstatSync(fd).isFile()).toBe(true);
    await log.close();
    expect(codeOf(() => fstatSync(fd))).toBe("EBADF");
    expect(readFileSync(path, "utf8")).toBe(LINE);
  });
});

describe("a stream destination", () => {
  it("after the stream failed, the next line is refused with the stream's error", async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    const log = createAuditLog({ destination: stream, onError: (e) => seen.push(e.message) });
    stream.destroy(new Error("disk full"));
    await new Promise((r) => setImmediate(r));
    expect(thrown(() => log.record(entry)).message).toBe("the audit log could not be written: disk full");
    expect(seen).toEqual(["disk full"]);
  });

  it("an ended stream refuses the line", () => {
    const stream = new PassThrough();
    const log = createAuditLog({ destination: stream, onError: () => {} });
    stream.end();
    expect(thrown(() => log.record(entry)).message).toBe(
      "the audit log could not be written: the audit stream is closed",
    );
  });

  it("a stream destroyed without an error refuses the line", () => {
    const stream = new PassThrough();
    const log = createAuditLog({ destination: stream, onError: () => {} });
    stream.destroy();
    expect(thrown(() => log.record(entry)).message).toBe(
      "the audit log could not be written: the audit stream is closed",
    );
  });
});

describe("an audit file that cannot be opened", () => {
  it("fails at creation with the path and the reason", () => {
    const dir = mkdtempSync(join(tmpdir(), "audit-open-"));
    // A new name with a trailing slash looks like a new file to stat, but open can only make it a folder.
    const path = `${join(dir, "audit.log")}/`;
    expect(thrown(() => createAuditLog({ destination: path })).message).toBe(
      `--audit-log ${path}: cannot be opened for writing (EISDIR); give a writable file path`,
    );
  });
});
