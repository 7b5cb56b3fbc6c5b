import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { SharedState } from "../../src/state/shared.js";
import { memoryStore } from "../../src/state/store.js";
import { harness } from "../http/support.js";
import { replicaState } from "../state/support.js";
import { describeWithRedis } from "../support/redis-describe.js";
import { startRedis, type TestRedis } from "../support/redis-server.js";
import {
  AGENT_KEYS,
  confirmingAgents,
  fleet,
  modern,
  serverFactoryFor,
  target,
  textOfReply,
} from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

const destroy = (extra: Record<string, unknown> = {}) => ({
  name: "machines_delete",
  arguments: target,
  ...extra,
});
const accept = { confirm: { action: "accept", content: { confirm: true } } };

describeWithRedis("a round-trip confirmation across three --stateless replicas sharing Redis", () => {
  let redis: TestRedis;
  const states: SharedState[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    for (let i = 0; i < 3; i++) states.push(await replicaState(redis.url));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(states.map((s) => s.close()));
    await redis?.stop();
  });

  /** Three replicas with one key; each has its own store: its Redis connection, or a memory store. */
  async function replicas(stores: "redis" | "memory") {
    const shared = fleet();
    const key = randomBytes(32);
    const urls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const store = stores === "redis" ? states[i]!.store : memoryStore();
      const serverFor = serverFactoryFor(shared, key, store);
      urls.push((await h.start({ agents: confirmingAgents(), serverFor, stateless: true })).url);
    }
    return { ...shared, urls };
  }

  async function askAt(url: string): Promise<string> {
    const first = await modern(url, AGENT_KEYS.ops, "tools/call", destroy());
    expect(first.body.result?.resultType).toBe("input_required");
    return first.body.result?.requestState as string;
  }

  it("asked at the first, accepted at the second, a replay at the third is refused", async () => {
    const r = await replicas("redis");
    const answer = destroy({ inputResponses: accept, requestState: await askAt(r.urls[0]!) });
    const accepted = await modern(r.urls[1]!, AGENT_KEYS.ops, "tools/call", answer);
    expect(accepted.body.result?.isError).toBeFalsy();
    const replay = await modern(r.urls[2]!, AGENT_KEYS.ops, "tools/call", answer);
    expect(replay.body.result?.isError).toBe(true);
    expect(textOfReply(replay)).toMatch(/already used/);
    expect(r.fly.writes()).toEqual([`DELETE /v1/apps/my-app/machines/${target.machine_id}`]);
  });

  it("without a shared store the same replay goes through twice (what Redis prevents)", async () => {
    const r = await replicas("memory");
    const answer = destroy({ inputResponses: accept, requestState: await askAt(r.urls[0]!) });
    await modern(r.urls[1]!, AGENT_KEYS.ops, "tools/call", answer);
    await modern(r.urls[2]!, AGENT_KEYS.ops, "tools/call", answer);
    expect(r.fly.writes()).toHaveLength(2);
  });
});
