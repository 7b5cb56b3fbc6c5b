import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { allTools } from "../../src/tools/index.js";
import { createFlyMock, type FlyMock } from "../support/fly-mock.js";
import { connect, mockedServer } from "../support/harness.js";

/** Every tool behind a real MCP client, Fly mocked; one exchange per call (no retries or limits). */
export function useFuzzServer(): { fly: FlyMock; mcp(): Client } {
  const fly = createFlyMock();
  let client: Client | undefined;
  beforeAll(async () => {
    fly.start();
    const flyClient = createFlyClient({
      baseUrl: fly.baseUrl,
      token: fly.token,
      userAgent: "fuzz",
      rateLimits: false,
      retry: false,
    });
    client = await connect(mockedServer({ tools: allTools, fly: flyClient }));
  });
  afterEach(() => fly.reset());
  afterAll(() => fly.stop());
  return { fly, mcp: () => client! };
}
