import { describe, expect, it } from "vitest";
import { authorizationHeader } from "../../src/fly/auth.js";
import { EXEC_STREAM_CAP } from "../../src/tools/results.js";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

const fly = useFlyMock();

const APP = "demo-app";
const M = "3d8d413b29d089";

describe("machines_update with merge", () => {
  it("reads the current config, merges the patch and guards the write with the version it read", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () =>
      json({
        id: M,
        version: "01HVERSION",
        config: {
          image: "nginx:1.25",
          env: { A: "1", B: "2" },
          guest: { cpus: 1, memory_mb: 256 },
          services: [{ internal_port: 80 }],
        },
      }),
    );
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}`, () => json({ id: M, state: "replacing" }));
    const client = await connect(mockedServer());
    const result = await call(client, "machines_update", {
      app_name: APP,
      machine_id: M,
      merge: true,
      config: { env: { B: null, C: "3" }, guest: { memory_mb: 512 } },
      lease_nonce: "nonce1",
    });
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(fly.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      `GET /v1/apps/${APP}/machines/${M}`,
      `POST /v1/apps/${APP}/machines/${M}`,
    ]);
    const [read, write] = fly.requests;
    expect(read!.headers.get("authorization")).toBe(fly.authorization);
    expect(write!.body).toEqual({
      config: {
        image: "nginx:1.25",
        env: { A: "1", C: "3" },
        guest: { cpus: 1, memory_mb: 512 },
        services: [{ internal_port: 80 }],
      },
      current_version: "01HVERSION",
    });
    expect(write!.headers.get("fly-machine-lease-nonce")).toBe("nonce1");
  });

  it("without merge the config is sent as given and nothing is read first", async () => {
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}`, () => json({ id: M }));
    const client = await connect(mockedServer());
    await call(client, "machines_update", { app_name: APP, machine_id: M, config: { image: "nginx:1.27" } });
    expect(fly.requests).toHaveLength(1);
    expect(fly.requests[0]!.body).toEqual({ config: { image: "nginx:1.27" } });
  });

  it("never sends a null to Fly: without merge, and on create, a null key is left out", async () => {
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}`, () => json({ id: M }));
    fly.reply("POST", `/v1/apps/${APP}/machines`, () => json({ id: M }));
    const client = await connect(mockedServer());
    const config = { image: "nginx:1.27", env: { KEEP: "1", DROP: null } };
    await call(client, "machines_update", { app_name: APP, machine_id: M, config });
    await call(client, "machines_create", { app_name: APP, config });
    expect(fly.requests.map((r) => r.body)).toEqual([
      { config: { image: "nginx:1.27", env: { KEEP: "1" } } },
      { config: { image: "nginx:1.27", env: { KEEP: "1" } } },
    ]);
  });

  it("a 409 from a stale version tells the agent to read again", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () =>
      json({ id: M, version: "v1", config: { image: "a" } }),
    );
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}`, () =>
      json({ error: "current_version mismatch" }, 409),
    );
    const client = await connect(mockedServer());
    const result = await call(client, "machines_update", {
      app_name: APP,
      machine_id: M,
      merge: true,
      config: { image: "b" },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("current_version mismatch");
    expect(textOf(result)).toContain("read it again");
  });
});

describe("defaults from FLY_APP_NAME and FLY_ORG_SLUG", () => {
  it("fills app_name and org_slug when the agent leaves them out, and says so in the schema", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines`, () => json([]));
    const client = await connect(mockedServer({ defaults: { app_name: APP, org_slug: "acme" } }));
    const { tools } = await client.listTools();
    const list = tools.find((t) => t.name === "machines_list")!;
    expect(list.inputSchema.required ?? []).not.toContain("app_name");
    expect(JSON.stringify(list.inputSchema)).toContain(`(default: ${APP})`);
    const result = await call(client, "machines_list", {});
    expect(result.isError, textOf(result)).toBeFalsy();
    expect(fly.requests[0]!.url.pathname).toBe(`/v1/apps/${APP}/machines`);
    await call(client, "apps_list", {});
    expect(fly.requests[1]!.url.searchParams.get("org_slug")).toBe("acme");
  });

  it("an explicit app wins over the default", async () => {
    fly.reply("GET", "/v1/apps/other-app", () => json({ name: "other-app" }));
    const client = await connect(mockedServer({ defaults: { app_name: APP } }));
    await call(client, "apps_get", { app_name: "other-app" });
    expect(fly.requests[0]!.url.pathname).toBe("/v1/apps/other-app");
  });
});

describe("results shaped for agents", () => {
  it("exec output is capped per stream with a note", async () => {
    const big = "x".repeat(EXEC_STREAM_CAP + 100);
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}/exec`, () =>
      json({ stdout: big, stderr: "", exit_code: 0 }),
    );
    const client = await connect(mockedServer());
    const text = textOf(
      await call(client, "machines_exec", { app_name: APP, machine_id: M, command: ["cat", "/big"] }),
    );
    const parsed = JSON.parse(text) as { stdout: string; note: string };
    expect(parsed.stdout).toHaveLength(EXEC_STREAM_CAP);
    expect(parsed.note).toContain(
      `stdout truncated to the first ${EXEC_STREAM_CAP} of ${EXEC_STREAM_CAP + 100} bytes`,
    );
  });

  it("reads come with structuredContent, writes with text only", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines`, () => json([{ id: M, state: "started" }]));
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}/start`, () => json({ previous_state: "stopped" }));
    const client = await connect(mockedServer());
    const read = await call(client, "machines_list", { app_name: APP });
    expect(read.structuredContent).toEqual({ machines: [{ id: M, state: "started" }] });
    const write = await call(client, "machines_start", { app_name: APP, machine_id: M });
    expect(write.structuredContent).toBeUndefined();
  });
});

describe("the Authorization scheme follows Fly's own client", () => {
  it.each([
    ["fm2_abc", "FlyV1 fm2_abc"],
    ["fm1r_abc,fm2_def", "FlyV1 fm1r_abc,fm2_def"],
    ["FlyV1 fm2_abc", "FlyV1 fm2_abc"],
    ["  flyv1   fm2_abc \n", "FlyV1 fm2_abc"],
    ["Bearer fm2_abc", "FlyV1 fm2_abc"],
    ["personal-access-token", "Bearer personal-access-token"],
    ["Bearer personal-access-token", "Bearer personal-access-token"],
  ])("%j -> %j", (token, header) => {
    expect(authorizationHeader(token)).toBe(header);
  });
});
