import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createAuditLog, redactArgs, redactSecretValues, scrubString } from "../../src/policy/index.js";

// Shaped like a real macaroon token, but assembled here so no token-shaped literal sits in the tree.
const FLY_TOKEN = ["FlyV1", "fm2_lJPECAAAAAAAAaBsxBDr4hM3Ax+KLpFpxU2f3y9dwrVodHRwczovL2FwaS5mbHkuaW8vdjGWAJLOAA,fm2_lJPEtt3kX"]
  .join(" ");
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
    log.record({ agent: "ci", tool: "late", decision: "allow" });

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
