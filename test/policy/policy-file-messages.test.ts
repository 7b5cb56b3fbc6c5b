import { describe, expect, it } from "vitest";
import { type PolicyFileError, parsePolicy } from "../../src/policy/index.js";
import { messageOf } from "./policy-file-message.js";

// Exact words throughout, so a changed message shows: each one names the place and the fix.

describe("a policy file error", () => {
  it("is named PolicyFileError and keeps the file and the issues", () => {
    try {
      parsePolicy("agents:\n  a: { destructive: maybe }\n", "p.yaml");
      expect.unreachable();
    } catch (error) {
      expect((error as Error).name).toBe("PolicyFileError");
      expect((error as PolicyFileError).file).toBe("p.yaml");
      expect((error as PolicyFileError).issues).toEqual([
        { at: "agents.a.destructive", message: 'got "maybe"; must be one of deny, confirm, allow, approve' },
      ]);
    }
  });

  it("lists several problems one per line under a count", () => {
    expect(messageOf("agents:\n  a:\n    access: [root]\n    reveal_secrets: 1\n")).toBe(
      "policy file p.yaml has 2 problems:\n" +
        '  - agents.a.access[0]: got "root"; must be one of read, write, exec, admin\n' +
        "  - agents.a.reveal_secrets: got 1; must be true or false",
    );
  });
});

describe("unknown fields list the fields allowed at that place", () => {
  it("at the top level", () => {
    expect(messageOf("agents: {}\npolicy: {}\n")).toBe(
      'policy file p.yaml: policy: unknown field "policy"; allowed fields here: agents, approvers',
    );
  });

  it("in oauth", () => {
    expect(messageOf("agents:\n  a:\n    oauth: { sub: [alice], email: [a@b.c] }\n")).toBe(
      'policy file p.yaml: agents.a.oauth.email: unknown field "email"; allowed fields here: sub, groups, client_id',
    );
  });

  it("in an approver", () => {
    const hash = "a".repeat(64);
    expect(messageOf(`agents: {}\napprovers:\n  alice: { key_sha256: ${hash}, key: abc }\n`)).toBe(
      'policy file p.yaml: approvers.alice.key: unknown field "key"; allowed fields here: key_sha256',
    );
  });

  it("several at once are all named, at the first", () => {
    expect(messageOf("agents:\n  a: { acces: [read], app: [x] }\n")).toBe(
      'policy file p.yaml: agents.a.acces: unknown fields "acces", "app"; allowed fields here: ' +
        "key_sha256, access, apps, destructive, confirm_fallback, toolsets, tools, reveal_secrets, oauth, approvers",
    );
  });
});

describe("the message for a wrong value", () => {
  it("a file without agents says the mapping is missing", () => {
    expect(messageOf("approvers: {}\n")).toBe(
      "policy file p.yaml: agents: is missing; the file must have a top-level `agents:` mapping",
    );
  });

  it("agents that is not a mapping echoes the value", () => {
    expect(messageOf("agents: 5\n")).toBe(
      "policy file p.yaml: agents: got 5; must be a mapping of agent names to policies, e.g. agents: { ci-deployer: { access: [read] } }",
    );
  });

  it("an approver without key_sha256 names the field and the fix", () => {
    expect(messageOf("agents: {}\napprovers:\n  alice: {}\n")).toBe(
      "policy file p.yaml: approvers.alice.key_sha256: must be the SHA-256 of the approver key as 64 lowercase hex characters, " +
        "never the key itself: make a key with KEY=$(openssl rand -base64 32 | tr -d '=+/') and its hash with " +
        'printf %s "$KEY" | fly-machines-mcp hash-key',
    );
  });

  it("shows a value of up to 60 characters whole", () => {
    const value = "x".repeat(58); // 60 with its quotes
    expect(messageOf(`agents:\n  a: { destructive: ${value} }\n`)).toBe(
      `policy file p.yaml: agents.a.destructive: got "${value}"; must be one of deny, confirm, allow, approve`,
    );
  });

  it("cuts a longer value to 57 characters and an ellipsis", () => {
    const value = "x".repeat(59); // 61 with its quotes
    expect(messageOf(`agents:\n  a: { destructive: ${value} }\n`)).toBe(
      `policy file p.yaml: agents.a.destructive: got "${"x".repeat(56)}...; must be one of deny, confirm, allow, approve`,
    );
  });
});

describe("agents named like policy fields get the message of what is wrong", () => {
  it("an agent named access with a bad destructive", () => {
    expect(messageOf("agents:\n  access: { destructive: maybe }\n")).toBe(
      'policy file p.yaml: agents.access.destructive: got "maybe"; must be one of deny, confirm, allow, approve',
    );
  });

  it("an agent named access with a bad access class", () => {
    expect(messageOf("agents:\n  access: { access: [root] }\n")).toBe(
      'policy file p.yaml: agents.access.access[0]: got "root"; must be one of read, write, exec, admin',
    );
  });

  it("an agent named destructive that is not a mapping", () => {
    expect(messageOf("agents:\n  destructive: deny\n")).toBe(
      'policy file p.yaml: agents.destructive: got "deny"; must be a mapping of policy fields, e.g. { access: [read], apps: [my-app] }',
    );
  });

  it("an agent named confirm_fallback that is not a mapping", () => {
    expect(messageOf("agents:\n  confirm_fallback: echo\n")).toBe(
      'policy file p.yaml: agents.confirm_fallback: got "echo"; must be a mapping of policy fields, e.g. { access: [read], apps: [my-app] }',
    );
  });

  it("an agent named agents that is not a mapping", () => {
    expect(messageOf("agents:\n  agents: 1\n")).toBe(
      "policy file p.yaml: agents.agents: got 1; must be a mapping of policy fields, e.g. { access: [read], apps: [my-app] }",
    );
  });
});

describe("files that are not a policy at all", () => {
  it("text that is not YAML names the syntax problem for the whole file", () => {
    expect(messageOf("agents:\n  a: [read\n  b: {}\n")).toMatch(
      /^policy file p\.yaml: is not valid YAML or JSON: .+; fix the syntax at that line$/,
    );
  });

  it("an empty file says what it needs", () => {
    expect(messageOf("# nothing yet\n")).toBe(
      "policy file p.yaml: is empty; it needs an `agents:` mapping, e.g. agents: { my-agent: { access: [read] } }",
    );
  });

  it("a self-referring alias deeper in the file is found", () => {
    expect(messageOf("agents:\n  a: {}\n  b: &x\n    access: [*x]\n")).toBe(
      "policy file p.yaml: agents.b.access[0]: refers to itself through a YAML alias (*name inside &name); write the values out",
    );
  });
});
