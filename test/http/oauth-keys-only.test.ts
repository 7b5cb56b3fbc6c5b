import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { harness, KEYS, raw } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

describe("a server with agent keys and no --oauth-issuer", () => {
  it("an OAuth-capable SDK client with a wrong key fails at once with the reason, without trying OAuth", async () => {
    const served = await h.start();
    const paths: string[] = [];
    const transport = new StreamableHTTPClientTransport(new URL(served.url), {
      requestInit: { headers: { Authorization: `Bearer not-${KEYS.ops}` } },
      // Any 401 would make the SDK run discovery and a token request with this provider.
      authProvider: new ClientCredentialsProvider({
        clientId: "some-client",
        clientSecret: "some-secret",
        expectedIssuer: "https://issuer.invalid",
      }),
      fetch: (input, init) => {
        paths.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return fetch(input, init);
      },
    });
    const client = new Client({ name: "oauth-capable", version: "1.0.0" });
    const refused = client.connect(transport);
    await expect(refused).rejects.toMatchObject({
      code: 403,
      message: expect.stringContaining(
        "the bearer key does not belong to any agent; this server takes agent keys only",
      ),
    });
    expect(paths).toEqual(["/mcp"]);
  });

  it("publishes no Protected Resource Metadata", async () => {
    const served = await h.start();
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
    ]) {
      expect((await raw(served.url, { method: "GET", path })).status).toBe(404);
    }
  });
});
