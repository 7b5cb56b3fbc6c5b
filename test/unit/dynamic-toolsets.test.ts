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
    const certs = (
      list.structuredContent as { toolsets: Array<{ toolset: string; enabled: boolean }> }
    ).toolsets.find((t) => t.toolset === "certificates");
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
    const write = await call(client, "certificates_request_acme", {
      app_name: "demo-app",
      hostname: "example.com",
    });
    expect(write.isError).toBe(true);
    expect(textOf(write)).toContain("Denied by policy");
    expect(fly.requests).toHaveLength(0);
  });

  it("says so when the toolset is already on, and does not announce a change", async () => {
    const client = await connect(serverFor("all"));
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed += 1;
    });
    const result = await call(client, "toolsets_enable", { toolset: "core" });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe("Toolset core was already on; the tool list is unchanged");
    await call(client, "toolsets_enable", { toolset: "memory" });
    const again = await call(client, "toolsets_enable", { toolset: "memory" });
    expect(textOf(again)).toContain("already on");
    await expect.poll(() => changed).toBe(1);
  });

  it("waits for the token scope before counting or enabling tools", async () => {
    const real = createAccessControl({ scope: "readonly", policy: policyFromFlags({ access: "all" }) });
    let known = false;
    let settle = () => {};
    const ready = new Promise<void>((resolve) => {
      settle = () => {
        known = true;
        resolve();
      };
    });
    const whenKnown = <T>(f: () => T): T => {
      if (!known) throw new Error("scope not known yet");
      return f();
    };
    const access = {
      ...real,
      ready,
      isListed: (tool: Parameters<typeof real.isListed>[0]) => whenKnown(() => real.isListed(tool)),
      decide: (...a: Parameters<typeof real.decide>) => whenKnown(() => real.decide(...a)),
    };
    const client = await connect(mockedServer({ tools: coreTools, dynamicCatalog: allTools, access }));
    const listing = call(client, "toolsets_list", {});
    setTimeout(settle, 20);
    const list = await listing;
    expect(list.isError).toBeFalsy();
    const certs = (
      list.structuredContent as { toolsets: Array<{ toolset: string; usable: number }> }
    ).toolsets.find((t) => t.toolset === "certificates");
    // A read-only token may use only the two read tools of the group.
    expect(certs?.usable).toBe(2);
  });

  it("an unknown toolset names the fix", async () => {
    const client = await connect(serverFor("all"));
    const result = await call(client, "toolsets_enable", { toolset: "nope" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("toolsets_list");
  });
});
