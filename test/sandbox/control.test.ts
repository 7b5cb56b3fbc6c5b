import { beforeEach, describe, expect, it } from "vitest";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import { call, createMachine, type Json, quickSandbox, seeded } from "./helpers.js";

describe("sandbox machine control", () => {
  let sb: Sandbox;
  let web: string;
  let worker: string;
  beforeEach(() => {
    sb = quickSandbox();
    web = seeded(sb, "demo-web");
    worker = seeded(sb, "demo-worker");
  });

  const path = (id: string, action = "") => `/apps/demo-app/machines/${id}${action}`;
  const statuses = async (id: string, limit: number) =>
    (await call(sb, "GET", `${path(id, "/events")}?limit=${limit}`)).body.map(
      (e: Json) => `${e.type}/${e.status}`,
    );

  it("appends one event per transition, newest first, with ms timestamps", async () => {
    expect((await call(sb, "POST", path(web, "/stop"))).body).toEqual({ ok: true });
    expect(await statuses(web, 2)).toEqual(["stop/stopped", "stop/stopping"]);
    expect((await call(sb, "POST", path(web, "/start"))).body).toEqual({ previous_state: "stopped" });
    expect(await statuses(web, 2)).toEqual(["start/started", "start/starting"]);
    await call(sb, "POST", path(web, "/restart"));
    expect(await statuses(web, 4)).toEqual([
      "restart/started",
      "restart/starting",
      "restart/stopped",
      "restart/stopping",
    ]);
    await call(sb, "POST", path(web, "/suspend"));
    expect(await statuses(web, 2)).toEqual(["suspend/suspended", "suspend/suspending"]);
    const [event] = (await call(sb, "GET", `${path(web, "/events")}?limit=1`)).body;
    expect(event).toMatchObject({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), source: "flyd" });
    expect(Math.abs(event.timestamp - Date.now())).toBeLessThan(5000);
  });

  it("refuses actions from the wrong state with 412 failed_precondition", async () => {
    const start = await call(sb, "POST", path(web, "/start"));
    expect(start.status).toBe(412);
    expect(start.body.error).toMatch(
      /^failed_precondition: unable to start machine from current state: 'started'/,
    );
    expect((await call(sb, "POST", path(worker, "/stop"))).status).toBe(412);
    expect((await call(sb, "POST", path(worker, "/suspend"))).status).toBe(412);
    expect((await call(sb, "POST", path(worker, "/restart"))).status).toBe(412);
  });

  it("validates the stop body: timeout is a duration string, not a number", async () => {
    const number = await call(sb, "POST", path(web, "/stop"), { body: { timeout: 10 } });
    expect(number.status).toBe(400);
    expect(number.body.error).toContain("StopRequest.timeout");
    expect((await call(sb, "POST", path(web, "/stop"), { body: { timeout: "ten" } })).status).toBe(400);
    expect((await call(sb, "POST", path(web, "/stop"), { body: { signal: "SIGWHAT" } })).status).toBe(400);
    expect(
      (await call(sb, "POST", path(web, "/stop"), { body: { signal: "SIGTERM", timeout: "10s" } })).status,
    ).toBe(200);
  });

  it("validates restart's query and signal's body", async () => {
    expect((await call(sb, "POST", `${path(web, "/restart")}?signal=SIGNOPE`)).status).toBe(400);
    expect((await call(sb, "POST", `${path(web, "/restart")}?timeout=soon`)).status).toBe(400);
    expect((await call(sb, "POST", `${path(web, "/restart")}?signal=SIGTERM&timeout=5s`)).status).toBe(200);
    expect((await call(sb, "POST", path(web, "/signal"), { body: {} })).status).toBe(400);
    expect((await call(sb, "POST", path(web, "/signal"), { body: { signal: "SIGFOO" } })).status).toBe(400);
    expect((await call(sb, "POST", path(web, "/signal"), { body: { signal: "SIGUSR1" } })).status).toBe(200);
    expect(sb.store.machine("demo-app", web)?.state).toBe("started");
    expect((await call(sb, "POST", path(web, "/signal"), { body: { signal: "SIGKILL" } })).status).toBe(200);
    expect(await statuses(web, 1)).toEqual(["exit/stopped"]);
  });

  it("wait returns once the state is reached and 408 when it is not", async () => {
    const reached = await call(sb, "GET", `${path(worker, "/wait")}?state=stopped&timeout=1`);
    expect(reached.status).toBe(200);
    expect(reached.body).toMatchObject({ ok: true, state: "stopped", event_id: expect.any(String) });
    const settled = await call(sb, "GET", `${path(web, "/wait")}?state=settled&timeout=1`);
    expect(settled.body.state).toBe("started");
    const started = Date.now();
    const timedOut = await call(sb, "GET", `${path(worker, "/wait")}?state=started&timeout=1`);
    expect(timedOut.status).toBe(408);
    expect(timedOut.body.error).toMatch(/started/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("wait rejects a bad state or timeout with 400", async () => {
    expect((await call(sb, "GET", `${path(web, "/wait")}?state=running`)).status).toBe(400);
    expect((await call(sb, "GET", `${path(web, "/wait")}?timeout=30s`)).status).toBe(400);
    expect((await call(sb, "GET", `${path(web, "/wait")}?timeout=61`)).status).toBe(400);
  });

  it("wait on an older version counts it as replaced (stopped)", async () => {
    const m = await createMachine(sb);
    await call(sb, "POST", path(m.id), { body: { config: { image: "nginx:1" } } });
    const res = await call(sb, "GET", `${path(m.id, "/wait")}?state=stopped&version=${m.version}&timeout=1`);
    expect(res.body).toMatchObject({ ok: true, state: "replaced", version: m.version });
  });

  it("takes transitionMs per transition and a blocking wait sees the end state", async () => {
    const slow = createSandbox({ transitionMs: 30, rateLimits: false });
    const m = await createMachine(slow);
    expect(m.state).toBe("created");
    const wait = await call(slow, "GET", `/apps/demo-app/machines/${m.id}/wait?state=started&timeout=5`);
    expect(wait.body.state).toBe("started");
    const update = await call(slow, "POST", `/apps/demo-app/machines/${m.id}`, {
      body: { config: { image: "nginx:1" } },
    });
    expect(update.body.state).toBe("replacing");
    await slow.settle();
    expect(slow.store.machine("demo-app", m.id)?.state).toBe("started");
  });

  it("lists processes only on a started machine", async () => {
    const ps = await call(sb, "GET", path(web, "/ps"));
    expect(ps.status).toBe(200);
    expect(ps.body[0]).toMatchObject({ pid: 1, command: "/.fly/init" });
    expect(ps.body[1].listen_sockets).toEqual([{ address: "0.0.0.0:8080", proto: "tcp" }]);
    expect((await call(sb, "GET", path(worker, "/ps"))).status).toBe(412);
    expect((await call(sb, "GET", `${path(web, "/ps")}?sort_by=color`)).status).toBe(400);
  });

  it("caps events at 50 and defaults to 20", async () => {
    for (let i = 0; i < 12; i++) {
      await call(sb, "POST", path(web, "/stop"));
      await call(sb, "POST", path(web, "/start"));
    }
    expect((await call(sb, "GET", path(web, "/events"))).body).toHaveLength(20);
    expect((await call(sb, "GET", `${path(web, "/events")}?limit=500`)).body).toHaveLength(50);
  });

  it("404s an unknown machine", async () => {
    const res = await call(sb, "GET", path("0123456789abcd"));
    expect(res.status).toBe(404);
    expect(res.body.error).toContain("0123456789abcd");
  });
});

describe("sandbox wait and reset", () => {
  it("ends a blocked wait when the sandbox is reset", async () => {
    const sb = quickSandbox();
    const pending = call(
      sb,
      "GET",
      `/apps/demo-app/machines/${seeded(sb, "demo-worker")}/wait?state=started&timeout=30`,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    sb.reset();
    expect((await pending).status).toBe(408);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
