import { describe, expect, it } from "vitest";
import { startSandboxServer } from "../../src/sandbox/index.js";

describe("sandbox HTTP server", () => {
  it("answers real HTTP on 127.0.0.1 with port 0", async () => {
    const server = await startSandboxServer({ port: 0, transitionMs: 0, rateLimits: false });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.url).not.toMatch(/:0$/);
      const res = await fetch(`${server.url}/v1/apps/demo-app/machines`, {
        headers: { authorization: "Bearer sandbox" },
      });
      expect(res.status).toBe(200);
      const machines = (await res.json()) as Array<{ name: string }>;
      expect(machines.map((m) => m.name).sort()).toEqual(["demo-web", "demo-worker"]);
      const unauth = await fetch(`${server.url}/v1/apps/demo-app`);
      expect(unauth.status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it("drops the connection on a reset fault", async () => {
    const server = await startSandboxServer({ port: 0, faults: { share: 1, kinds: ["reset"] } });
    try {
      await expect(
        fetch(`${server.url}/v1/apps/demo-app`, { headers: { authorization: "Bearer x" } }),
      ).rejects.toThrow("fetch failed");
    } finally {
      await server.close();
    }
  });
});
