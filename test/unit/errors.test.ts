import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

const fly = useFlyMock();

const APP = "demo-app";
const M = "3d8d413b29d089";

describe("Fly errors reach the agent as tool results with the next step", () => {
  const table: Array<[number, unknown, Record<string, string>, string[]]> = [
    [400, { error: "invalid signal" }, {}, ["400 Bad Request", "invalid signal", "Fix the input"]],
    [
      401,
      { error: "Authenticate: token validation error" },
      {},
      ["401", "token validation error", "FLY_API_TOKEN"],
    ],
    [404, { error: "machine not found" }, {}, ["404", "machine not found", "list them first"]],
    // A write answered 408 may have happened: check, never repeat blindly.
    [
      408,
      { error: "deadline exceeded" },
      {},
      ["408", "deadline exceeded", "Outcome unknown", "machines_get"],
    ],
    [
      409,
      { error: "lease currently held by ops@example.com, expires at 2026-11-23 10:00:00 UTC" },
      {},
      ["409", "held by ops@example.com", "expires at", "lease_nonce"],
    ],
    [
      422,
      { error: "app name taken", status: "name_taken" },
      {},
      ["422", "name_taken", "Choose another name"],
    ],
    [
      429,
      { error: "rate limit exceeded" },
      { "retry-after": "2" },
      ["429", "rate limit exceeded", "Wait 2s"],
    ],
    [
      500,
      { error: "internal" },
      { "fly-request-id": "req-123" },
      ["500", "internal", "request id: req-123", "may or may not have taken effect"],
    ],
    [503, { error: "unavailable" }, {}, ["503", "unavailable", "may or may not"]],
  ];

  it.each(table)("status %i", async (status, body, headers, expected) => {
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}/start`, () => json(body, status, headers));
    const client = await connect(mockedServer());
    const result = await call(client, "machines_start", { app_name: APP, machine_id: M });
    const text = textOf(result);
    expect(result.isError).toBe(true);
    for (const e of expected) expect(text).toContain(e);
    expect(text).not.toContain(fly.token);
    expect(text.toLowerCase()).not.toContain("authorization");
  });

  it("a read failing with 5xx says to retry later, not that the effect is unknown", async () => {
    fly.reply("GET", `/v1/apps/${APP}`, () => json({ error: "boom" }, 502));
    const client = await connect(mockedServer());
    const text = textOf(await call(client, "apps_get", { app_name: APP }));
    expect(text).toContain("Try again in a little while");
    expect(text).not.toContain("may or may not");
  });

  it("a network failure is said plainly", async () => {
    fly.reply("GET", `/v1/apps/${APP}`, () => HttpResponse.error());
    const client = await connect(mockedServer());
    const result = await call(client, "apps_get", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/unreachable: network error/);
  });

  it("a body that is not JSON becomes a clear error, not a crash", async () => {
    fly.reply(
      "GET",
      `/v1/apps/${APP}`,
      () => new Response('{"trunc', { headers: { "content-type": "application/json" } }),
    );
    const client = await connect(mockedServer());
    const result = await call(client, "apps_get", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("not valid JSON");
  });

  it("wait's 408 is an answer, not an error: not there yet, and how to go on", async () => {
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}/wait`, () => json({ error: "deadline_exceeded" }, 408));
    const client = await connect(mockedServer());
    const result = await call(client, "machines_wait", {
      app_name: APP,
      machine_id: M,
      state: "started",
      timeout: 5,
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toContain('did not reach state "started" within 5s');
    expect(textOf(result)).toContain("call machines_wait again");
    expect(result.structuredContent).toMatchObject({ ok: false, reached: false });
  });
});

describe("bad input never reaches Fly", () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["machines_get", { app_name: APP, machine_id: "../apps" }, "machine_id"],
    ["machines_get", { app_name: APP, machine_id: "a%2Fb" }, "machine_id"],
    ["machines_get", { app_name: APP, machine_id: "a/b" }, "machine_id"],
    ["machines_get", { app_name: "../../v1", machine_id: M }, "app_name"],
    ["volumes_get", { app_name: APP, volume_id: "vol_../x" }, "volume_id"],
    ["secrets_delete", { app_name: APP, secret_name: "A/B" }, "secret_name"],
    ["machines_get", { app_name: APP }, "machine_id"],
    ["machines_stop", { app_name: APP, machine_id: M, timeout: 10 }, "timeout"],
    ["machines_stop", { app_name: APP, machine_id: M, signal: "SIGWHAT" }, "signal"],
    ["machines_wait", { app_name: APP, machine_id: M, timeout: 90 }, "timeout"],
    ["machines_exec", { app_name: APP, machine_id: M, command: "ls -la" }, "command"],
    ["machines_create", { app_name: APP, config: {} }, "image"],
    ["machines_create", { app_name: APP, config: { image: "x", imagee: "typo" } }, "imagee"],
    ["volumes_create", { app_name: APP, name: "data", region: "iad", size_gb: 0 }, "size_gb"],
    ["secrets_set", { app_name: APP, values: {} }, "values"],
  ];

  it.each(bad)("%s %j names %s", async (tool, args, field) => {
    const client = await connect(mockedServer());
    const result = await call(client, tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain(field);
    expect(fly.requests).toHaveLength(0);
  });
});
