import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type AgentPolicy, findAgentByKey, findApproverByKey } from "../../src/policy/agent-policy.js";

// Made at run time: a key written out here would be public.
const KEY = randomBytes(24).toString("base64url");
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
const EMPTY_HASH = sha256("");

const agent = (name: string, key_sha256: string): AgentPolicy => ({
  name,
  access: ["read"],
  apps: "*",
  destructive: "confirm",
  key_sha256,
});

describe("findAgentByKey", () => {
  it("an empty or blank key matches nobody, even an agent holding the hash of nothing", () => {
    const file = { agents: { blank: agent("blank", EMPTY_HASH) } };
    expect(findAgentByKey(file, "")).toBeUndefined();
    expect(findAgentByKey(file, "  \n")).toBeUndefined();
  });

  it("a stored hash that is not 64 lowercase hex characters matches nothing", () => {
    const hash = sha256(KEY);
    const file = {
      agents: {
        upper: agent("upper", hash.toUpperCase()),
        tail: agent("tail", `${hash}zz`),
        head: agent("head", `zz${hash}`),
      },
    };
    expect(findAgentByKey(file, KEY)).toBeUndefined();
    expect(findAgentByKey({ agents: { ...file.agents, ok: agent("ok", hash) } }, KEY)?.name).toBe("ok");
  });
});

describe("findApproverByKey", () => {
  it("an empty or blank key matches nobody, even an approver holding the hash of nothing", () => {
    const approvers = { blank: { name: "blank", key_sha256: EMPTY_HASH } };
    expect(findApproverByKey(approvers, "")).toBeUndefined();
    expect(findApproverByKey(approvers, "  \n")).toBeUndefined();
  });

  it("a stored hash that is not 64 lowercase hex characters matches nothing", () => {
    const hash = sha256(KEY);
    const approvers = {
      upper: { name: "upper", key_sha256: hash.toUpperCase() },
      tail: { name: "tail", key_sha256: `${hash}zz` },
      head: { name: "head", key_sha256: `zz${hash}` },
    };
    expect(findApproverByKey(approvers, KEY)).toBeUndefined();
    expect(findApproverByKey({ ...approvers, ok: { name: "ok", key_sha256: hash } }, KEY)?.name).toBe("ok");
  });
});
