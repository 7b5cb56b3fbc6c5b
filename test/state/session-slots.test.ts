import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SharedState } from "../../src/state/shared.js";
import { SessionStore } from "../../src/transport/http-sessions.js";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import { replicaState, until } from "./support.js";

const IDLE_MS = 60_000;
const stub = {} as never;

/** One replica's session store with the shared per-agent cap. */
const storeOf = (state: SharedState, maxPerAgent: number) =>
  new SessionStore({ max: 100, maxPerAgent, idleMs: IDLE_MS, shared: state.sessions });

/** Reserves and opens a session, as an initialize does; the refusal if any. */
async function open(store: SessionStore, agent: string, id: string) {
  const refused = await store.reserve(agent);
  if (refused) return refused;
  store.add({ id, agent, server: stub, transport: stub });
  store.release(agent, true);
  return undefined;
}

/** Background releases reach Redis in their own time. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 50));

describeWithRedis("per-agent session caps counted across replicas", () => {
  let redis: TestRedis;
  let a: SharedState;
  let b: SharedState;
  let raw: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([replicaState(redis.url), replicaState(redis.url)]);
    raw = new Redis(redis.url).on("error", () => {});
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    raw?.disconnect();
    await redis?.stop();
  });

  it("an agent's cap of 2 holds over two replicas, each slot a lease, given back on close", async () => {
    const [sa, sb] = [storeOf(a, 2), storeOf(b, 2)];
    expect(await open(sa, "ci", "a1")).toBeUndefined();
    expect(await open(sb, "ci", "b1")).toBeUndefined();
    expect(await open(sa, "ci", "a2")).toBe("agent-full");
    expect(await open(sb, "ci", "b2")).toBe("agent-full");
    expect(await open(sb, "ops", "b3")).toBeUndefined();
    const ttl = await raw.pttl("fly-mcp:sessions:ci");
    expect(ttl).toBeGreaterThan(IDLE_MS);
    expect(ttl).toBeLessThanOrEqual(IDLE_MS + 60_000);

    sb.forget("b1");
    await settled();
    expect(await open(sa, "ci", "a3")).toBeUndefined();
    // A reservation that never became a session gives its slot back too.
    sa.forget("a1");
    await settled();
    expect(await sb.reserve("ci")).toBeUndefined();
    sb.release("ci");
    await settled();
    expect(await open(sb, "ci", "b4")).toBeUndefined();
    expect(await open(sa, "ci", "a5")).toBe("agent-full");
  });

  it("while Redis is down each replica keeps to its share of the cap", async () => {
    const store = storeOf(a, 6);
    await redis.stop();
    await until(() => !a.sessions!.slots.up);
    // 6 per agent over 3 replicas: 2 here.
    expect(await open(store, "down", "d1")).toBeUndefined();
    expect(await open(store, "down", "d2")).toBeUndefined();
    expect(await open(store, "down", "d3")).toBe("agent-full");
    await redis.start();
    await until(() => a.sessions!.slots.up);
    expect(await open(store, "down", "d4")).toBeUndefined();
  }, 30_000);
});
