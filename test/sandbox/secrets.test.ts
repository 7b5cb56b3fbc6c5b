import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox } from "./helpers.js";

describe("sandbox secrets", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("lists names and digests but never values unless show_secrets=true", async () => {
    const list = await call(sb, "GET", "/apps/demo-app/secrets");
    expect(list.body.secrets).toEqual([
      {
        name: "DATABASE_URL",
        digest: expect.any(String),
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ]);
    expect(list.text).not.toContain("postgres://");
    const shown = await call(sb, "GET", "/apps/demo-app/secrets?show_secrets=true");
    expect(shown.body.secrets[0].value).toMatch(/^postgres:\/\//);
    expect((await call(sb, "GET", "/apps/demo-app/secrets/DATABASE_URL")).body.value).toBeUndefined();
  });

  it("sets one secret with 201 and a digest derived from the value", async () => {
    const res = await call(sb, "POST", "/apps/demo-app/secrets/API_KEY", { body: { value: "s3cret" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "API_KEY", version: 2, Version: 2 });
    expect(res.body.value).toBeUndefined();
    expect(res.body.digest).toBe(createHash("sha256").update("s3cret").digest("hex").slice(0, 16));
    expect((await call(sb, "POST", "/apps/demo-app/secrets/API_KEY", { body: { value: 5 } })).status).toBe(
      400,
    );
    expect((await call(sb, "POST", "/apps/demo-app/secrets/9BAD", { body: { value: "x" } })).status).toBe(
      400,
    );
  });

  it("bulk-updates: values set, null deletes", async () => {
    const res = await call(sb, "POST", "/apps/demo-app/secrets", {
      body: { values: { A: "1", B: "2", DATABASE_URL: null } },
    });
    expect(res.status).toBe(200);
    expect(res.body.secrets.map((s: Json) => s.name)).toEqual(["A", "B"]);
    expect(res.body.version).toBe(2);
    expect(res.text).not.toContain('"value"');
    expect((await call(sb, "POST", "/apps/demo-app/secrets", { body: { values: { A: 1 } } })).status).toBe(
      400,
    );
  });

  it("gets and deletes one secret; unknown names 404", async () => {
    expect((await call(sb, "GET", "/apps/demo-app/secrets/DATABASE_URL")).body.name).toBe("DATABASE_URL");
    const deleted = await call(sb, "DELETE", "/apps/demo-app/secrets/DATABASE_URL");
    expect(deleted.body).toEqual({ version: 2, Version: 2 });
    expect((await call(sb, "GET", "/apps/demo-app/secrets/DATABASE_URL")).status).toBe(404);
    expect((await call(sb, "DELETE", "/apps/demo-app/secrets/DATABASE_URL")).status).toBe(404);
  });
});
