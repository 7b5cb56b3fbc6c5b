import { describe, expect, it } from "vitest";
import { approvalStep } from "../../src/approvals/hook.js";
import { Approvals } from "../../src/approvals/service.js";
import { silentLogger } from "../../src/log.js";
import type { AuditEntry } from "../../src/policy/audit.js";
import { type KeyValueStore, memoryStore, StoreUnavailable } from "../../src/state/store.js";
import { coreTools } from "../../src/tools/index.js";

const tool = coreTools.find((t) => t.name === "machines_delete")!;
const args = { app_name: "demo-app", machine_id: "148ed193b95089" };

const unavailable: KeyValueStore = {
  shared: true,
  get: async () => {
    throw new StoreUnavailable();
  },
  set: async () => {
    throw new StoreUnavailable();
  },
  setIfAbsent: async () => {
    throw new StoreUnavailable();
  },
  delete: async () => {
    throw new StoreUnavailable();
  },
  keys: async () => {
    throw new StoreUnavailable();
  },
};

function approvals(store: KeyValueStore, audit: AuditEntry[] = []) {
  return new Approvals({
    store,
    approvers: { alice: { name: "alice", key_sha256: "a".repeat(64) } },
    audit: (e) => void audit.push(e),
    logger: silentLogger(),
  });
}

const step = (a: Approvals | undefined, audit: (e: object) => void, approval_id?: string) =>
  approvalStep(a, {
    agent: "ci",
    tool,
    args,
    local: approval_id ? { approval_id } : {},
    message: "Allow machines_delete?",
    target: { app: "demo-app" },
    callId: "call-1",
    audit,
  });

describe("approvals fail closed", () => {
  it("without approvals configured, the call is refused", async () => {
    const out = await step(undefined, () => {});
    expect(out.go).toBe(false);
    expect(JSON.stringify(out)).toContain("no approvers configured");
  });

  it("an unreachable store refuses both asking and redeeming", async () => {
    const a = approvals(unavailable);
    const ask = await step(a, () => {});
    expect(ask.go).toBe(false);
    expect(JSON.stringify(ask)).toContain("the approvals store cannot be reached");
    const redeem = await step(a, () => {}, `apr_${"A".repeat(43)}`);
    expect(redeem.go).toBe(false);
    expect(JSON.stringify(redeem)).toContain("the approvals store cannot be reached");
  });

  it("a request whose audit line cannot be written is never stored, so it cannot be approved", async () => {
    const store = memoryStore();
    const a = approvals(store);
    const out = await step(a, (e) => {
      if ((e as AuditEntry).event === "approval_requested") throw new Error("disk full");
    });
    expect(out.go).toBe(false);
    expect(await store.keys("")).toEqual([]);
  });

  it("a decision whose audit line cannot be written does not count, and can be made again", async () => {
    const store = memoryStore();
    let failing = true;
    const audit: AuditEntry[] = [];
    const a = new Approvals({
      store,
      approvers: { alice: { name: "alice", key_sha256: "a".repeat(64) } },
      audit: (e) => {
        if (failing) throw new Error("disk full");
        audit.push(e);
      },
      logger: silentLogger(),
    });
    const request = a.build({ agent: "ci", tool, args, message: "m", callId: "c" });
    await a.file(request);
    await expect(a.decide(request.id, "alice", "approved")).rejects.toThrow("disk full");
    expect((await a.get(request.id))?.status).toBe("pending");
    failing = false;
    expect((await a.decide(request.id, "alice", "approved")).ok).toBe(true);
    expect(audit).toHaveLength(1);
  });
});
