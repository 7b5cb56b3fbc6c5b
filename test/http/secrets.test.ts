import { describe, expect, it } from "vitest";
import {
  callTool,
  FLY_TOKEN,
  fakeFly,
  harness,
  initializeBody,
  KEYS,
  MCP_HEADERS,
  raw,
  rpc,
  sleep,
  transcript,
} from "./support.js";

describe("the Fly token", () => {
  it.each([false, true])("never reaches a client (stateless: %s)", async (stateless) => {
    transcript.length = 0;
    const h = harness();
    const fly = fakeFly();
    const served = await h.start({ fly, stateless });
    try {
      const reader = await h.connect(served.url, KEYS.reader);
      const ops = await h.connect(served.url, KEYS.ops);
      await reader.client.listTools();
      await callTool(reader.client, "machines_list", { app_name: "my-app" });
      await callTool(reader.client, "machines_delete", { app_name: "my-app", machine_id: "148ed193b95089" });
      await callTool(ops.client, "machines_list", { app_name: "broken" });
      await callTool(ops.client, "apps_get", { app_name: "broken" });

      // A client presenting the Fly token is just a client with a wrong key.
      const withToken = await raw(served.url, {
        headers: { ...MCP_HEADERS, Authorization: `Bearer ${FLY_TOKEN}` },
        body: initializeBody(),
      });
      expect(withToken.status).toBe(403);
      await raw(served.url, { headers: { ...MCP_HEADERS, Host: "evil.example" }, body: rpc("tools/list") });
      await raw(served.url, { headers: { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.ops}` }, body: "{" });
      await raw(served.url, { method: "GET", path: "/healthz" });
      await raw(served.url, { method: "GET", path: "/nowhere" });
    } finally {
      await h.cleanup();
    }
    await sleep(50);

    // The token was in use towards Fly...
    expect(fly.authorizations).toContain(`FlyV1 ${FLY_TOKEN}`);
    // ...and none of what came back over HTTP carries it.
    const everything = transcript.join("\n");
    expect(everything.length).toBeGreaterThan(1000);
    expect(everything).toContain("148ed193b95089");
    expect(everything).not.toContain(FLY_TOKEN);
    expect(everything).not.toContain("SECRET_TOKEN");
  });
});
