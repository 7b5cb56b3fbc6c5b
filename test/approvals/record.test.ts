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
