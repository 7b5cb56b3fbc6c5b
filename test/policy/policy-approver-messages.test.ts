import { describe, expect, it } from "vitest";
import { messageOf } from "./policy-file-message.js";

const A = "a".repeat(64);
const B = "b".repeat(64);

// Exact words, so a changed message shows.
describe("approver problems name the agent's field and the fix", () => {
  it("approve with no approvers at all: how to add one, and that the listed name is unknown", () => {
    expect(messageOf("agents:\n  ci: { destructive: approve, approvers: [bob] }\n")).toBe(
      "policy file p.yaml has 2 problems:\n" +
        "  - agents.ci.destructive: is approve, but the file has no approvers; add a top-level approvers: " +
        '{ alice: { key_sha256: <hash> } } (hash from: printf %s "$KEY" | fly-machines-mcp hash-key)\n' +
        '  - agents.ci.approvers[0]: unknown approver "bob"; the top-level approvers: are none',
    );
  });

  it("an unknown approver lists every known one", () => {
    expect(
      messageOf(
        `approvers: { alice: { key_sha256: ${A} }, carol: { key_sha256: ${B} } }\n` +
          "agents:\n  ci: { destructive: approve, approvers: [alice, bob] }\n",
      ),
    ).toBe(
      'policy file p.yaml: agents.ci.approvers[1]: unknown approver "bob"; the top-level approvers: are alice, carol',
    );
  });
});
