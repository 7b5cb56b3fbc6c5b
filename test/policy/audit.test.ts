import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { AuditWriteError, auditLine } from "../../src/policy/audit.js";
import { createAuditLog, redactArgs, redactSecretValues, scrubString } from "../../src/policy/index.js";

// Shaped like a real macaroon token, but assembled here so no token-shaped literal sits in the tree.
const FLY_TOKEN = [
  "FlyV1",
  "fm2_lJPECAAAAAAAAaBsxBDr4hM3Ax+KLpFpxU2f3y9dwrVodHRwczovL2FwaS5mbHkuaW8vdjGWAJLOAA,fm2_lJPEtt3kX",
].join(" ");
const RAW_TOKEN = "fm1r_c29tZXRva2VucGF5bG9hZGhlcmU=";
const CUSTOM_TOKEN = "opaque-personal-token-0123456789";
const SECRET_VALUE = "postgres://user:hunter2@db.internal/prod";

const lines = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("redactArgs", () => {
  it("hides secret fields at any depth and keeps map keys", () => {
    const args = {
      app_name: "my-app",
      values: { DATABASE_URL: SECRET_VALUE, API_KEY: "k-123456789" },
      stdin: "password=hunter2",
      config: {
        image: "nginx",
        env: { PORT: "8080", SECRET: SECRET_VALUE },
        files: [
          { guest_path: "/etc/key", raw_value: "c2VjcmV0" },
          { guest_path: "/x", secret_name: "S" },
        ],
      },
      cert: { private_key: "-----BEGIN KEY-----", fullchain: "-----BEGIN CERT-----" },
      plaintext: [1, 2, 3],
      password: "p",
      note: `use ${RAW_TOKEN} please`,
      header: FLY_TOKEN,
    };
    const out = redactArgs(undefined, args, [CUSTOM_TOKEN]);
    expect(out).toEqual({
      app_name: "my-app",
      values: { DATABASE_URL: "[redacted]", API_KEY: "[redacted]" },
      stdin: "[redacted]",
      config: {
        image: "nginx",
        env: { PORT: "[redacted]", SECRET: "[redacted]" },
        files: [
          { guest_path: "/etc/key", raw_value: "[redacted]" },
          { guest_path: "/x", secret_name: "S" },
        ],
      },
      cert: { private_key: "[redacted]", fullchain: "[redacted]" },
      plaintext: "[redacted]",
      password: "[redacted]",
      note: "use [redacted] please",
      header: "[redacted]",
    });
    expect(args.values.DATABASE_URL).toBe(SECRET_VALUE);
  });

  it("adds the tool's sensitive fields and exact secrets", () => {
    const out = redactArgs(
      { sensitive: ["command", "config.token"] },
      {
        command: ["sh", "-c", "echo hi"],
        config: { token: "abc" },
        text: `Bearer ${CUSTOM_TOKEN}`,
        other: `x${CUSTOM_TOKEN}y`,
      },
      [CUSTOM_TOKEN],
    );
    expect(out).toEqual({
      command: "[redacted]",
      config: { token: "[redacted]" },
      text: "Bearer [redacted]",
      other: "x[redacted]y",
    });
  });

  it("scrubString leaves ordinary text alone", () => {
    expect(scrubString("machine 148e1234 in app fm-app")).toBe("machine 148e1234 in app fm-app");
    expect(scrubString(`token=${RAW_TOKEN}`)).toBe("token=[redacted]");
    expect(scrubString("Authorization: Bearer abcdefghijklmnop0123")).toBe("Authorization: [redacted]");
    expect(scrubString("the Bearer of news")).toBe("the Bearer of news");
  });
});

describe("redactSecretValues", () => {
  it("replaces value and values, keeps names and digests", () => {
    const data = {
      secrets: [
        { name: "A", digest: "d1", value: SECRET_VALUE },
        { name: "B", digest: "d2" },
      ],
      values: { A: SECRET_VALUE },
      nested: [{ value: [1, 2] }],
    };
    expect(redactSecretValues(data)).toEqual({
      secrets: [
        { name: "A", digest: "d1", value: "[redacted]" },
        { name: "B", digest: "d2" },
      ],
      values: { A: "[redacted]" },
      nested: [{ value: "[redacted]" }],
    });
    expect(data.secrets[0]!.value).toBe(SECRET_VALUE);
    expect(redactSecretValues("text")).toBe("text");
  });
});

describe("createAuditLog", () => {
  it("writes one redacted JSON line per event to a file and flushes on close", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "audit-")), "nested", "audit.log");
    const log = createAuditLog({ destination: path, secrets: [CUSTOM_TOKEN, FLY_TOKEN] });
    log.record(
      {
        agent: "ci",
        tool: "secrets_set",
        app: "my-app",
        decision: "allow",
        status: 200,
        durationMs: 12,
        requestId: "01J",
        args: { app_name: "my-app", values: { DATABASE_URL: SECRET_VALUE } },
      },
      { sensitive: ["values"] },
    );
    log.record({
      agent: "ci",
      tool: "machines_exec",
      app: "my-app",
      resource: "machine 148e",
      decision: "deny",
      reason: `Fly said: bad token ${FLY_TOKEN} and ${CUSTOM_TOKEN}`,
      args: {
        app_name: "my-app",
        machine_id: "148e",
        command: ["env"],
        stdin: SECRET_VALUE,
        note: RAW_TOKEN,
      },
    });
    for (let i = 0; i < 500; i++)
      log.record({ agent: "ci", tool: "apps_list", decision: "allow", args: { n: i } });
    await log.close();
    await log.close();
    // Closed means no more lines, and the caller learns it: it must not act unaudited.
    expect(() => log.record({ agent: "ci", tool: "late", decision: "allow" })).toThrow(AuditWriteError);

    const text = readFileSync(path, "utf8");
    for (const secret of [SECRET_VALUE, CUSTOM_TOKEN, RAW_TOKEN, "fm2_", "FlyV1", "hunter2"]) {
      expect(text).not.toContain(secret);
    }
    const entries = lines(path);
    expect(entries).toHaveLength(502);
    expect(entries[0]).toMatchObject({
      level: "info",
      event: "tool_call",
      agent: "ci",
      tool: "secrets_set",
      decision: "allow",
      status: 200,
      args: { app_name: "my-app", values: { DATABASE_URL: "[redacted]" } },
    });
    expect(typeof entries[0]!.time).toBe("string");
    expect(entries[0]).not.toHaveProperty("pid");
    expect(entries[1]).toMatchObject({
      reason: "Fly said: bad token [redacted] and [redacted]",
      resource: "machine 148e",
    });
    expect(entries[1]!.args).toMatchObject({ stdin: "[redacted]", note: "[redacted]", command: ["env"] });
    expect(entries.at(-1)).toMatchObject({ tool: "apps_list", args: { n: 499 } });
  });

  it("writes to a given stream", async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c.toString()));
    const log = createAuditLog({ destination: stream });
    log.record({ agent: "local", tool: "apps_get", decision: "confirm-declined", reason: "no elicitation" });
    await log.close();
    expect(JSON.parse(chunks.join(""))).toMatchObject({ agent: "local", decision: "confirm-declined" });
  });

  it("fails at creation when the file cannot be opened", () => {
    const file = join(mkdtempSync(join(tmpdir(), "audit-")), "x");
    expect(() => createAuditLog({ destination: join(file, "\0bad") })).toThrow();
  });
});

describe("an audit line is always written, whatever the arguments hold", () => {
  const nested = (depth: number): unknown => {
    let value: unknown = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it("arrays nested 10,000 deep are cut, not a stack overflow", () => {
    const line = auditLine(
      {
        agent: "ci",
        tool: "machines_create",
        decision: "allow",
        args: { app_name: "a", config: { x: nested(10_000) } },
      },
      undefined,
    );
    const parsed = JSON.parse(line) as { args: { config: { x: unknown } } };
    expect(JSON.stringify(parsed.args.config.x)).toContain("[too deep]");
  });

  it("long strings and long lists are cut after the token is removed", () => {
    const long = `${"a".repeat(5000)} ${RAW_TOKEN}`;
    const line = auditLine(
      {
        agent: "ci",
        tool: "t",
        decision: "allow",
        args: { s: long, list: Array.from({ length: 5000 }, (_, i) => i) },
      },
      undefined,
    );
    expect(line.length).toBeLessThan(8000);
    expect(line).toContain("more chars]");
    expect(line).toContain("4800 more items");
    expect(line).not.toContain("fm1r_");
  });

  it("a stream that failed makes the next record throw, so the call is not made", async () => {
    const stream = new PassThrough();
    const log = createAuditLog({ destination: stream, onError: () => {} });
    stream.destroy(new Error("disk full"));
    await new Promise((r) => setImmediate(r));
    expect(() => log.record({ agent: "a", tool: "t", decision: "allow" })).toThrow(AuditWriteError);
  });
});

describe("--audit-log paths that are not log files", () => {
  it("a FIFO is refused at once, naming the setting, without waiting for a reader", () => {
    const fifo = join(mkdtempSync(join(tmpdir(), "audit-")), "fifo");
    execFileSync("mkfifo", [fifo]);
    expect(() => createAuditLog({ destination: fifo })).toThrow(
      /^--audit-log .*fifo: is a FIFO; give a path to a regular file/,
    );
  });

  it.each(["/proc/self/status", "/proc/self/fd/0", "/dev/null", "/sys/kernel/notes"])(
    "%s is refused",
    (path) => {
      expect(() => createAuditLog({ destination: path })).toThrow(/^--audit-log /);
    },
  );

  it("a folder is refused naming the setting", () => {
    expect(() => createAuditLog({ destination: tmpdir() })).toThrow(/^--audit-log .*: is a folder/);
  });
});
