import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { allTools, coreTools } from "../../src/tools/index.js";
import { useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

const fly = useFlyMock();

const serverFor = (access: "read" | "write" | "all") =>
  mockedServer({
    tools: coreTools,
    dynamicCatalog: allTools,
    access: createAccessControl({ scope: "org", policy: policyFromFlags({ access }) }),
  });

describe("dynamic toolsets", () => {
  it("lists toolsets, enables one, and tells the client the list changed", async () => {
    const client = await connect(serverFor("all"));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed += 1;
    });
    const before = (await client.listTools()).tools.map((t) => t.name);
    expect(before).toContain("toolsets_enable");
    expect(before).not.toContain("certificates_list");

    const list = await call(client, "toolsets_list", {});
    const certs = (list.structuredContent as { toolsets: Array<{ toolset: string; enabled: boolean }> }).toolsets.find(
      (t) => t.toolset === "certificates",
    );
    expect(certs).toMatchObject({ enabled: false });

    const enabled = await call(client, "toolsets_enable", { toolset: "certificates" });
    expect(textOf(enabled)).toContain("certificates_list");
    await expect.poll(() => changed).toBeGreaterThan(0);
    const after = (await client.listTools()).tools.map((t) => t.name);
    expect(after).toContain("certificates_list");
    expect(after.length).toBe(before.length + 8);
  });

  it("never widens the policy: a read-only agent gets only the read tools of a group, and writes stay denied", async () => {
    const client = await connect(serverFor("read"));
    await call(client, "toolsets_enable", { toolset: "certificates" });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("certificates_list");
    expect(names).not.toContain("certificates_request_acme");
    const write = await call(client, "certificates_request_acme", { app_name: "demo-app", hostname: "example.com" });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain("Denied by policy");
    expect(fly.requests).toHaveLength(0);
  });

  it("an unknown toolset names the fix", async () => {
    const client = await connect(serverFor("all"));
    const result = await call(client, "toolsets_enable", { toolset: "nope" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("toolsets_list");
  });
});
