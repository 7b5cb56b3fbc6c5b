import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { createAccessControl } from "../../src/policy/access-control.js";
import { policyFromFlags } from "../../src/policy/agent-policy.js";
import { createAuditLog } from "../../src/policy/audit.js";
import { registerSecret } from "../../src/policy/scrub.js";
import { createServer } from "../../src/server.js";
import { allTools, coreTools } from "../../src/tools/index.js";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, fullAccess, memoryAudit, mockedServer, textOf } from "../support/harness.js";

const fly = useFlyMock();
const APP = "demo-app";
const M = "3d8d413b29d089";

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe("audit before act", () => {
  it("every request to Fly, the read a merge makes first included, comes after the call's audit line", async () => {
    const audit = memoryAudit();
    const seenAtRequest: number[] = [];
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () => {
      seenAtRequest.push(audit.entries.length);
      return json({ id: M, instance_id: "v1", config: { image: "nginx", env: { A: "1" } } });
    });
    fly.reply("POST", `/v1/apps/${APP}/machines/${M}`, () => {
      seenAtRequest.push(audit.entries.length);
      return json({ id: M });
    });
    const client = await connect(mockedServer({ audit }));
    const result = await call(client, "machines_update", {
      app_name: APP,
      machine_id: M,
      merge: true,
      config: { env: { B: "2" } },
    });
    expect(result.isError).toBeFalsy();
    expect(fly.requests).toHaveLength(2);
    // One line was written before the first request, none between the two, the outcome after.
    expect(seenAtRequest).toEqual([1, 1]);
    expect(audit.entries.map((e) => [e.event, e.decision])).toEqual([
      ["tool_call", "allow"],
      ["tool_result", "allow"],
    ]);
    expect(audit.entries[1]!.callId).toBe(audit.entries[0]!.callId);
  });

  it("when the audit line cannot be written, nothing is sent and the agent is told why", async () => {
    const failing = {
      record: () => {
        throw new Error("disk full");
      },
    };
    const client = await connect(mockedServer({ audit: failing }));
    const result = await call(client, "machines_start", { app_name: APP, machine_id: M });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/audit log could not be written, so nothing was sent to Fly/);
    expect(fly.requests).toHaveLength(0);
  });

  it("a closed audit log file refuses the call too", async () => {
    const log = createAuditLog({
      destination: join(mkdtempSync(join(tmpdir(), "audit-")), "a.log"),
      onError: () => {},
    });
    await log.close();
    const client = await connect(mockedServer({ audit: log }));
    const result = await call(client, "machines_list", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(fly.requests).toHaveLength(0);
  });
});

describe("inputs beyond sane bounds are refused before anything is sent, and audited", () => {
  it.each(["machines_create", "machines_update"])(
    "%s with arrays nested 5,000 deep in its config",
    async (tool) => {
      const path = join(mkdtempSync(join(tmpdir(), "audit-")), "audit.log");
      const audit = createAuditLog({ destination: path });
      const client = await connect(mockedServer({ audit }));
      const result = await call(client, tool, {
        app_name: APP,
        machine_id: M,
        config: { image: "nginx", metadata_extra: nested(5000) },
      });
      await audit.close();
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(
        /config\.metadata_extra\[0\]\[0\]\[0\]\[0\]\.\.\.: nested deeper than \d+ levels/,
      );
      expect(fly.requests).toHaveLength(0);
      const lines = readFileSync(path, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ tool, decision: "invalid" });
      expect(lines[0].reason).toMatch(/nested deeper/);
    },
  );

  it("an over-long string is refused naming the field", async () => {
    const client = await connect(mockedServer());
    const result = await call(client, "machines_exec", {
      app_name: APP,
      machine_id: M,
      command: ["sh"],
      stdin: "x".repeat(5 * 1024 * 1024),
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/stdin: longer than/);
    expect(fly.requests).toHaveLength(0);
  });
});

describe("every refused call leaves an audit line", () => {
  it("a call that fails input validation", async () => {
    const audit = memoryAudit();
    const client = await connect(mockedServer({ audit }));
    const result = await call(client, "machines_get", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("machine_id");
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ tool: "machines_get", decision: "invalid", agent: "local" });
    expect(audit.entries[0]!.reason).toContain("machine_id");
  });

  it("a tool outside the agent's toolsets: listed nowhere, refused by the gate, audited, never sent", async () => {
    const audit = memoryAudit();
    const access = createAccessControl({
      scope: "org",
      policy: policyFromFlags({ access: "all", toolsets: ["core"] }),
    });
    const client = await connect(mockedServer({ tools: allTools, access, audit }));
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed).toContain("machines_list");
    expect(listed).not.toContain("certificates_list");
    const result = await call(client, "certificates_list", { app_name: APP });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      "Denied by policy: certificates_list is in toolset certificates, which agent local does not have (its toolsets: core).\n" +
        "To allow it: start the server with --toolsets core,certificates.",
    );
    expect(audit.entries).toEqual([
      expect.objectContaining({ tool: "certificates_list", decision: "deny", app: APP, agent: "local" }),
    ]);
    expect(fly.requests).toHaveLength(0);
  });
});

describe("createServer has no allow-all or unaudited default", () => {
  it("refuses to build without an access object or an audit sink", () => {
    const base = { tools: coreTools, fly: {} as never, logger: silentLogger() };
    expect(() => createServer({ ...base, audit: memoryAudit() } as never)).toThrow(/access/);
    expect(() => createServer({ ...base, access: fullAccess() } as never)).toThrow(/audit/);
  });
});

describe("tokens the agent asked to be minted", () => {
  it("a deploy token reaches an admin agent, while the server's own token in the same answer is removed", async () => {
    const own = ["fm2", randomBytes(40).toString("base64")].join("_");
    const minted = `FlyV1 ${["fm2", randomBytes(40).toString("base64")].join("_")}`;
    registerSecret(own);
    fly.reply("POST", `/v1/apps/${APP}/deploy_token`, () => json({ token: minted, issued_with: own }));
    fly.reply("GET", `/v1/apps/${APP}/machines/${M}`, () =>
      json({ id: M, config: { env: { LEAKED: minted } } }),
    );
    const client = await connect(mockedServer({ tools: allTools }));
    const result = await call(client, "tokens_create_deploy", { app_name: APP });
    expect(textOf(result)).toContain(minted);
    expect(textOf(result)).not.toContain(own);
    // The same string in any other tool's answer is scrubbed as usual.
    const other = await call(client, "machines_get", { app_name: APP, machine_id: M });
    expect(JSON.stringify(other)).not.toContain(minted.slice(6));
  });
});
