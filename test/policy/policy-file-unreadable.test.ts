import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadPolicyFile, PolicyFileError } from "../../src/policy/index.js";

// Tests run as root too, where file modes cannot make a file unreadable: the read is stubbed.
const failures = vi.hoisted(() => new Map<string, unknown>());
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    readFile: (path: string, ...rest: unknown[]) =>
      failures.has(path)
        ? Promise.reject(failures.get(path))
        : (actual.readFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest),
  };
});

async function messageOf(path: string): Promise<string> {
  try {
    await loadPolicyFile(path);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as PolicyFileError).message;
  }
  throw new Error("expected a PolicyFileError");
}

const dir = mkdtempSync(join(tmpdir(), "policy-read-"));

describe("a policy file that cannot be read says why and what to check", () => {
  it("missing", async () => {
    const path = join(dir, "missing.yaml");
    expect(await messageOf(path)).toBe(
      `policy file ${path}: does not exist (ENOENT); check the --policy path`,
    );
  });

  it("not readable by this user", async () => {
    const path = join(dir, "locked.yaml");
    failures.set(path, Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" }));
    expect(await messageOf(path)).toBe(
      `policy file ${path}: is not readable (EACCES); check the --policy path`,
    );
  });

  it("a directory", async () => {
    expect(await messageOf(dir)).toBe(`policy file ${dir}: cannot be read (EISDIR); check the --policy path`);
  });

  it("a failure without an error code shows the error itself", async () => {
    const path = join(dir, "odd.yaml");
    failures.set(path, new Error("stream closed"));
    expect(await messageOf(path)).toBe(
      `policy file ${path}: cannot be read (Error: stream closed); check the --policy path`,
    );
  });
});
