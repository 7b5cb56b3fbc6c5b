import { afterEach, describe, expect, it } from "vitest";
import { callTool, harness, raw, textOf } from "../http/support.js";
import {
  type ApprovalsFixture,
  approvalIdIn,
  auditJson,
  MINUTE,
  runCli,
  startApprovalsServer,
} from "./support.js";

const h = harness();
let fx: ApprovalsFixture | undefined;
afterEach(async () => {
  await h.cleanup();
  await fx?.handle.close();
  fx = undefined;
});

const MACHINE = { app_name: "demo-app", machine_id: "148ed193b95089" };
const OTHER_MACHINE = { app_name: "demo-app", machine_id: "3d8d9015f04e89" };
const deletes = (f: ApprovalsFixture) => f.flyRequests.filter((r) => r.startsWith("DELETE"));

async function agent(f: ApprovalsFixture, key: string) {
  return (await h.connect(f.handle.url, key)).client;
}

const cli = (f: ApprovalsFixture, key: string, ...args: string[]) =>
  runCli(["approvals", ...args, "--url", f.origin], { FLY_MCP_APPROVER_KEY: key });

describe("a destructive call of a destructive: approve agent, end to end over HTTP", () => {
  it("waits, is approved on the CLI, then goes through exactly once with the same arguments", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);

    const first = await callTool(ci, "machines_delete", MACHINE);
    expect(first.isError).toBeFalsy();
    const id = approvalIdIn(textOf(first));
    expect(textOf(first)).toContain(`waiting for approval ${id}`.replace(/^w/, "W"));
    expect(textOf(first)).toContain(`${fx.origin}/approvals/${id}`);
    expect(textOf(first)).toContain("approval_id");
    expect(textOf(first)).toContain(
      "machines_delete (Delete machine) on machine 148ed193b95089 in app demo-app",
    );
    expect(deletes(fx)).toEqual([]);

    const listed = await cli(fx, fx.keys.alice, "list");
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("machines_delete");
    expect(`${listed.stdout}${listed.stderr}`).not.toContain(fx.keys.alice);

    // Asking again before anyone decided: still waiting, still nothing sent.
    const early = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(textOf(early)).toMatch(/^Still waiting for approval/);
    expect(deletes(fx)).toEqual([]);

    const approved = await cli(fx, fx.keys.alice, "approve", id, "--reason", "planned cleanup");
    expect(approved.stderr).toBe("");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`approved ${id}`);

    const second = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(second.isError).toBeFalsy();
    expect(deletes(fx)).toEqual(["DELETE /v1/apps/demo-app/machines/148ed193b95089"]);

    const again = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain("used already");
    expect(deletes(fx)).toHaveLength(1);

    // One id links the request, the decision and the approved call's own lines.
    const linked = fx.audit.filter((e) => e.approvalId === id);
    expect(linked.map((e) => [e.event ?? "tool_call", e.decision])).toEqual([
      ["approval_requested", "approval-pending"],
      // Asking before the decision is recorded too (the poll above).
      ["tool_call", "approval-pending"],
      ["approval_decided", "approved"],
      ["tool_call", "approved"],
      ["tool_result", "approved"],
      ["tool_call", "approval-refused"],
    ]);
    const [requested, , decided, call, result] = linked;
    expect(decided).toMatchObject({
      approver: "alice",
      reason: "planned cleanup",
      callId: requested!.callId,
    });
    expect(call).toMatchObject({ agent: "ci", approver: "alice", args: MACHINE });
    expect(call!.callId).toBe(result!.callId);
    expect(call!.callId).not.toBe(requested!.callId);
    console.log(
      `audit lines of an approved call:\n${auditJson([requested!, decided!, call!, result!]).join("\n")}`,
    );
  });

  it("a denial with a reason reaches the agent and nothing reaches Fly", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    const denied = await cli(fx, fx.keys.alice, "deny", id, "--reason", "not during the sale");
    expect(denied.code).toBe(0);
    expect(denied.stdout).toContain(`denied ${id}`);
    const after = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toContain("denied by alice: not during the sale");
    expect(deletes(fx)).toEqual([]);
    // Decided once: a later approval of the same id is refused.
    const late = await cli(fx, fx.keys.alice, "approve", id);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("denied already");
    const linked = fx.audit.filter((e) => e.approvalId === id);
    expect(linked.map((e) => e.decision)).toEqual(["approval-pending", "denied", "approval-refused"]);
    console.log(`audit lines of a denied call:\n${auditJson(linked).join("\n")}`);
  });

  it("expires: neither decided nor used after the expiry (injected clock)", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);
    const late = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    fx.advance(15 * MINUTE);
    const tooLate = await cli(fx, fx.keys.alice, "approve", late);
    expect(tooLate.code).toBe(1);
    expect(tooLate.stderr).toContain("expired");

    // Asked at 12:15, so it lapses at 12:30.
    const unused = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    fx.advance(14 * MINUTE);
    expect((await cli(fx, fx.keys.alice, "approve", unused)).code).toBe(0);
    fx.advance(1 * MINUTE);
    const after = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: unused });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toContain("expired at 2026-12-02T12:30:00.000Z");
    expect(deletes(fx)).toEqual([]);
  });

  it("covers only the arguments it was asked for, and only for the agent that asked", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);
    const nightly = await agent(fx, fx.keys.nightly);
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    expect((await cli(fx, fx.keys.alice, "approve", id)).code).toBe(0);

    const other = await callTool(ci, "machines_delete", { ...OTHER_MACHINE, approval_id: id });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("was given for other arguments");
    const forced = await callTool(ci, "machines_delete", { ...MACHINE, force: true, approval_id: id });
    expect(textOf(forced)).toContain("was given for other arguments");

    const stolen = await callTool(nightly, "machines_delete", { ...MACHINE, approval_id: id });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).toContain(`no approval ${id} for this agent`);
    expect(deletes(fx)).toEqual([]);

    // None of those used it up: the agent that asked still can, with its arguments.
    const ok = await callTool(ci, "machines_delete", { ...MACHINE, approval_id: id });
    expect(ok.isError).toBeFalsy();
    expect(deletes(fx)).toEqual(["DELETE /v1/apps/demo-app/machines/148ed193b95089"]);
  });

  it("one approval, two calls at once: exactly one goes through", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);
    const ci2 = await agent(fx, fx.keys.ci);
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    expect((await cli(fx, fx.keys.alice, "approve", id)).code).toBe(0);
    const both = await Promise.all([
      callTool(ci, "machines_delete", { ...MACHINE, approval_id: id }),
      callTool(ci2, "machines_delete", { ...MACHINE, approval_id: id }),
    ]);
    expect(both.map((r) => r.isError === true).sort()).toEqual([false, true]);
    expect(deletes(fx)).toHaveLength(1);
  });

  it("only the agent's listed approvers decide", async () => {
    fx = await startApprovalsServer();
    const ci = await agent(fx, fx.keys.ci);
    const id = approvalIdIn(textOf(await callTool(ci, "machines_delete", MACHINE)));
    const bob = await cli(fx, fx.keys.bob, "approve", id);
    expect(bob.code).toBe(1);
    expect(bob.stderr).toContain("bob may not decide calls of agent ci");
    expect((await cli(fx, fx.keys.bob, "list")).stdout).not.toContain(id);
    // nightly lists no approvers: any approver may decide its calls.
    const nightly = await agent(fx, fx.keys.nightly);
    const nid = approvalIdIn(textOf(await callTool(nightly, "machines_delete", MACHINE)));
    expect((await cli(fx, fx.keys.bob, "approve", nid)).code).toBe(0);
  });
});

describe("keys stay on their side", () => {
  it("an agent key is refused by the approvals API and the CLI; an approver key by /mcp", async () => {
    fx = await startApprovalsServer();
    const api = await raw(fx.handle.url, {
      method: "GET",
      path: "/approvals/api/pending",
      headers: { Authorization: `Bearer ${fx.keys.ci}` },
    });
    expect(api.status).toBe(403);
    expect(api.text).toContain("this is an agent key");

    const viaCli = await cli(fx, fx.keys.ci, "list");
    expect(viaCli.code).toBe(1);
    expect(viaCli.stderr).toContain("agent key");
    expect(viaCli.stderr).not.toContain(fx.keys.ci);

    const mcp = await raw(fx.handle.url, {
      headers: {
        Authorization: `Bearer ${fx.keys.alice}`,
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(403);
    expect(mcp.text).toContain("an approver key opens /approvals, not /mcp");

    const nobody = await raw(fx.handle.url, { method: "GET", path: "/approvals/api/pending" });
    expect(nobody.status).toBe(401);
  });

  it("the CLI refuses to send the key over plain http to another host, and needs a key", async () => {
    const remote = await runCli(["approvals", "list", "--url", "http://mcp.example.com"], {
      FLY_MCP_APPROVER_KEY: "x".repeat(30),
    });
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("must use https");
    const keyless = await runCli(["approvals", "list", "--url", "https://mcp.example.com"], {});
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toContain("FLY_MCP_APPROVER_KEY");
  });
});
