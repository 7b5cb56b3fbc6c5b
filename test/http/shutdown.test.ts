import type { McpServer } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { silentLogger } from "../../src/log.js";
import { closeOnSignals } from "../../src/transport/http.js";
import { callTool, fakeFly, harness, KEYS, MCP_HEADERS, raw, rpc, serverFactory, textOf } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("close()", () => {
  it.each([false, true])(
    "lets an in-flight call finish, then refuses connections (stateless: %s)",
    async (stateless) => {
      const fly = fakeFly();
      const served = await h.start({ fly, stateless });
      const { client } = await h.connect(served.url, KEYS.ops);
      fly.delayMs = 300;

      const call = callTool(client, "machines_list", { app_name: "my-app" });
      await vi.waitFor(() => expect(fly.authorizations.length).toBeGreaterThan(0));
      const closing = served.close();

      // Not listening any more, while the call is still running.
      await expect(raw(served.url, { headers: MCP_HEADERS, body: rpc("ping") })).rejects.toThrow(
        /ECONNREFUSED/,
      );

      const result = await call;
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain("148ed193b95089");
      await closing;

      await expect(raw(served.url, { method: "GET", path: "/healthz" })).rejects.toThrow(/ECONNREFUSED/);
    },
  );

  it("is idempotent and ends open sessions", async () => {
    const servers: McpServer[] = [];
    const build = serverFactory(fakeFly());
    const served = await h.start({ serverFor: (access) => servers[servers.push(build(access)) - 1]! });
    const { transport } = await h.connect(served.url, KEYS.ops);
    expect(transport.sessionId).toBeTruthy();
    expect(servers.filter((s) => s.isConnected())).toHaveLength(1);

    await Promise.all([served.close(), served.close()]);
    await served.close();
    expect(servers.filter((s) => s.isConnected())).toHaveLength(0);
    await expect(raw(served.url, { method: "GET", path: "/healthz" })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("closeOnSignals", () => {
  it("closes on the first signal and exits 0; a second signal exits 1 at once", async () => {
    let release!: () => void;
    const close = vi.fn(() => new Promise<void>((r) => (release = r)));
    const exit = vi.fn();
    const dispose = closeOnSignals({ close }, { logger: silentLogger(), signals: ["SIGUSR2"], exit });
    try {
      process.emit("SIGUSR2", "SIGUSR2");
      expect(close).toHaveBeenCalledTimes(1);
      process.emit("SIGUSR2", "SIGUSR2");
      expect(exit).toHaveBeenLastCalledWith(1);
      release();
      await vi.waitFor(() => expect(exit).toHaveBeenLastCalledWith(0));
      expect(close).toHaveBeenCalledTimes(1);
    } finally {
      dispose();
    }
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });

  it("exits 1 when closing fails, and listens to SIGTERM and SIGINT by default", async () => {
    const before = [process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")];
    const exit = vi.fn();
    const dispose = closeOnSignals(
      { close: () => Promise.reject(new Error("stuck")) },
      { logger: silentLogger(), exit },
    );
    expect([process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")]).toEqual(
      before.map((n) => n + 1),
    );
    dispose();
    expect([process.listenerCount("SIGTERM"), process.listenerCount("SIGINT")]).toEqual(before);

    const dispose2 = closeOnSignals(
      { close: () => Promise.reject(new Error("stuck")) },
      {
        logger: silentLogger(),
        signals: ["SIGUSR2"],
        exit,
      },
    );
    process.emit("SIGUSR2", "SIGUSR2");
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    dispose2();
  });
});
