import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { type Replica, replica } from "./support.js";

/** Fly's side: a secrets write answers version 7; machine creations are recorded. */
function secretsFly() {
  const created: Array<Record<string, unknown>> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/v1/apps/web/secrets") return Response.json({ version: 7 });
    if (req.method === "POST" && path === "/v1/apps/web/machines") {
      created.push((await req.json()) as Record<string, unknown>);
      return Response.json({ id: "3d8d413b29d089", state: "created" });
    }
    return Response.json(req.method === "GET" && path.endsWith("/secrets") ? { secrets: [] } : {});
  };
  return { fetch, created };
}

const setSecret = { name: "secrets_set", arguments: { app_name: "web", values: { API_KEY: "value" } } };
const createMachine = {
  name: "machines_create",
  arguments: { app_name: "web", config: { image: "nginx:1" } },
};

describeWithRedis("secrets versions across replicas", () => {
  let redis: TestRedis;
  const open: Replica[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(open.map((r) => r.close()));
    await redis?.stop();
  });

  it("a machine created at one replica asks for the version a secrets write at another returned", async () => {
    const fly = secretsFly();
    const [a, b] = await Promise.all([replica(fly.fetch, redis.url), replica(fly.fetch, redis.url)]);
    open.push(a!, b!);
    expect((await a!.client.callTool(setSecret)).isError).toBeFalsy();
    expect((await b!.client.callTool(createMachine)).isError).toBeFalsy();
    expect(fly.created.at(-1)).toMatchObject({ min_secrets_version: 7 });
  });

  it("without Redis the other replica does not know it (so the test above can fail)", async () => {
    const fly = secretsFly();
    const [a, b] = await Promise.all([replica(fly.fetch), replica(fly.fetch)]);
    open.push(a!, b!);
    expect((await a!.client.callTool(setSecret)).isError).toBeFalsy();
    expect((await b!.client.callTool(createMachine)).isError).toBeFalsy();
    expect(fly.created.at(-1)).not.toHaveProperty("min_secrets_version");
  });
});
