import { describe, expect, it } from "vitest";
import { callDigest } from "../../src/approvals/digest.js";
import { Approvals } from "../../src/approvals/service.js";
import { silentLogger } from "../../src/log.js";
import { memoryStore } from "../../src/state/store.js";
import { allTools } from "../../src/tools/index.js";
import { APPROVAL_ID } from "../../src/tools/local-fields.js";

const tool = allTools.find((t) => t.name === "secrets_set")!;
const approvals = new Approvals({
  store: memoryStore(),
  approvers: { alice: { name: "alice", key_sha256: "a".repeat(64) } },
  audit: () => {},
  logger: silentLogger(),
});

describe("what a pending approval holds", () => {
  const args = { app_name: "demo-app", values: { DATABASE_URL: "postgres://user:hunter2@db/app" } };
  const request = approvals.build({ agent: "ci", tool, args, message: "Allow secrets_set?", callId: "c1" });

  it("shows secret values redacted, keeps their names", () => {
    expect(request.args).toEqual({ app_name: "demo-app", values: { DATABASE_URL: "[redacted]" } });
    expect(JSON.stringify(request)).not.toContain("hunter2");
  });

  it("digests the full arguments: another secret value is another call", () => {
    const other = { ...args, values: { DATABASE_URL: "postgres://user:other@db/app" } };
    expect(callDigest("secrets_set", other)).not.toBe(request.argsDigest);
    // Key order does not matter; the tool does.
    expect(callDigest("secrets_set", { values: args.values, app_name: "demo-app" })).toBe(request.argsDigest);
    expect(callDigest("secrets_set_one", args)).not.toBe(request.argsDigest);
  });

  it("has an unguessable id in the published shape and a 15-minute expiry", () => {
    expect(request.id).toMatch(APPROVAL_ID);
    expect(request.id).toMatch(/^apr_[A-Za-z0-9_-]{43}$/);
    const again = approvals.build({ agent: "ci", tool, args, message: "m", callId: "c2" });
    expect(again.id).not.toBe(request.id);
    expect(request.expiresAt - request.createdAt).toBe(15 * 60_000);
  });
});

describe("redeeming an approval", () => {
  it("is refused when what the call would lose changed since the approver saw it", async () => {
    const store = memoryStore();
    const decided = new Approvals({
      store,
      approvers: { alice: { name: "alice", key_sha256: "a".repeat(64) } },
      audit: () => {},
      logger: silentLogger(),
    });
    const del = allTools.find((t) => t.name === "machines_delete")!;
    const args = { app_name: "demo-app", machine_id: "148ed193b95089" };
    const seen = "Allow machines_delete on machine 148ed193b95089, losing nothing?";
    const request = decided.build({ agent: "ci", tool: del, args, message: seen, callId: "c1" });
    await decided.file(request);
    expect((await decided.decide(request.id, "alice", "approved")).ok).toBe(true);
    const redeem = (message: string, callId: string) =>
      decided.redeem({ id: request.id, agent: "ci", tool: del.name, args, message, callId });
    const changed = await redeem(
      "Allow machines_delete on machine 148ed193b95089, losing volume vol_123?",
      "c2",
    );
    expect(changed).toMatchObject({ kind: "refused", reason: expect.stringContaining("no longer matches") });
    expect((await redeem(seen, "c3")).kind).toBe("approved");
  });
});
