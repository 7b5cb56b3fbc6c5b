import { describe, expect, it } from "vitest";
import { findApproverByKey, hashKey, PolicyFileError, parsePolicy } from "../../src/policy/agent-policy.js";
import { PUBLIC_KEY_HASHES } from "../../src/policy/public-keys.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

const errorOf = (text: string): string => {
  try {
    parsePolicy(text, "p.yaml");
  } catch (error) {
    if (error instanceof PolicyFileError) return error.message;
    throw error;
  }
  throw new Error("no error");
};

describe("approvers in the policy file", () => {
  it("parses top-level approvers and an agent's list", () => {
    const file = parsePolicy(
      `approvers: { alice: { key_sha256: ${A} }, bob: { key_sha256: ${B} } }
agents: { ci: { key_sha256: ${C}, access: [read, write], destructive: approve, approvers: [alice] } }`,
      "p.yaml",
    );
    expect(file.approvers).toEqual({
      alice: { name: "alice", key_sha256: A },
      bob: { name: "bob", key_sha256: B },
    });
    expect(file.agents.ci).toMatchObject({ destructive: "approve", approvers: ["alice"] });
  });

  it("destructive: approve without any approver is refused, naming the field", () => {
    expect(errorOf(`agents: { ci: { key_sha256: ${C}, destructive: approve } }`)).toMatch(
      /^policy file p\.yaml: agents\.ci\.destructive: is approve, but the file has no approvers; add a top-level approvers:/,
    );
  });

  it("an agent's approvers must exist and only go with approve", () => {
    expect(
      errorOf(`approvers: { alice: { key_sha256: ${A} } }
agents: { ci: { key_sha256: ${C}, destructive: approve, approvers: [alcie] } }`),
    ).toBe(
      'policy file p.yaml: agents.ci.approvers[0]: unknown approver "alcie"; the top-level approvers: are alice',
    );
    expect(
      errorOf(`approvers: { alice: { key_sha256: ${A} } }
agents: { ci: { key_sha256: ${C}, destructive: deny, approvers: [alice] } }`),
    ).toContain("agents.ci.approvers: only applies with destructive: approve");
    expect(
      errorOf(`approvers: { alice: { key_sha256: ${A} } }\nagents: { ci: { approvers: [] } }`),
    ).toContain("agents.ci.approvers: must be a non-empty list");
  });

  it("approver keys are checked like agent keys: hash shape never echoed, public keys refused, never shared", () => {
    const pasted = "my-raw-approver-key-not-a-hash";
    const shape = errorOf(`approvers: { alice: { key_sha256: ${pasted} } }\nagents: {}`);
    expect(shape).toContain("approvers.alice.key_sha256: must be the SHA-256 of the approver key");
    expect(shape).not.toContain(pasted);
    const published = [...PUBLIC_KEY_HASHES][0];
    expect(errorOf(`approvers: { alice: { key_sha256: ${published} } }\nagents: {}`)).toContain(
      "approvers.alice.key_sha256: is the hash of a key published in this project's repository",
    );
    expect(
      errorOf(`approvers: { alice: { key_sha256: ${A} } }\nagents: { ci: { key_sha256: ${A} } }`),
    ).toContain("approvers.alice.key_sha256: same key hash as agents.ci");
    expect(errorOf(`approvers: { alice: { key_sha256: ${A}, keys: 1 } }\nagents: {}`)).toContain(
      'approvers.alice.keys: unknown field "keys"; allowed fields here: key_sha256',
    );
    expect(errorOf(`agents: { ci: { destructive: aprove } }`)).toContain(
      "must be one of deny, confirm, allow, approve",
    );
  });

  it("findApproverByKey matches the hash, not the name or the hash itself", () => {
    const key = "alice-key-for-this-test-only-7f3a";
    const approvers = { alice: { name: "alice", key_sha256: hashKey(key) } };
    expect(findApproverByKey(approvers, key)?.name).toBe("alice");
    expect(findApproverByKey(approvers, hashKey(key))).toBeUndefined();
    expect(findApproverByKey(approvers, "alice")).toBeUndefined();
    expect(findApproverByKey(approvers, "")).toBeUndefined();
  });
});
