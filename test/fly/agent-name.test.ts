import { describe, expect, it } from "vitest";
import type { FlyClient, FlyRequest } from "../../src/fly/client.js";
import type { AccessControl } from "../../src/server.js";
import { call, connect, mockedServer } from "../support/harness.js";
import { APP, M } from "./support.js";

/** A Fly client that records what it is asked and answers like Fly would for a machine. */
function recorder() {
  const requests: FlyRequest[] = [];
  const fly: FlyClient = {
    baseUrl: "http://fly.test",
    request: async (req) => {
      requests.push(req);
      const data = { id: M, config: { image: "nginx", env: { A: "1" } } };
      return { status: 200, data, headers: new Headers() };
    },
  };
  return { fly, requests };
}

const agentNamed = (agent: string): AccessControl => ({
  agent,
  isListed: () => true,
  decide: () => ({ kind: "allow" }),
  revealSecrets: true,
  redactSecrets: (data) => data,
});

describe("every request of a tool call carries the calling agent, for fair rate-limit queues", () => {
  it("the request itself and the reads a tool makes first", async () => {
    const { fly, requests } = recorder();
    const mcp = await connect(mockedServer({ fly, access: agentNamed("oncall") }));
    await call(mcp, "machines_update", {
      app_name: APP,
      machine_id: M,
      merge: true,
      config: { env: { B: "2" } },
    });
    // The merge reads the machine, then sends the update.
    expect(requests.map((r) => [r.method, r.agent])).toEqual([
      ["GET", "oncall"],
      ["POST", "oncall"],
    ]);
  });
});
