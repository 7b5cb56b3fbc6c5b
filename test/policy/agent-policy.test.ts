import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkToolNames,
  findAgentByKey,
  hashKey,
  loadPolicyFile,
  PolicyFileError,
  parsePolicy,
  policyFromFlags,
} from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";

const dir = mkdtempSync(join(tmpdir(), "policy-test-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const known = allTools.map((t) => t.name);

async function errorOf(path: string, knownTools?: string[]): Promise<PolicyFileError> {
  try {
    await loadPolicyFile(path, { knownTools });
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return error as PolicyFileError;
  }
  throw new Error("expected a PolicyFileError");
}

// Made at run time: a key written out here would be public.
const newKey = () => randomBytes(24).toString("base64url");
const CI_KEY = newKey();
const OPS_KEY = newKey();

describe("hashKey", () => {
  it("is hex SHA-256 of the UTF-8 key", () => {
    expect(hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
  it("trims surrounding whitespace and newlines", () => {
    expect(hashKey("  abc\n")).toBe(hashKey("abc"));
    expect(hashKey("a bc")).not.toBe(hashKey("abc"));
  });
});

describe("loadPolicyFile", () => {
  it("loads YAML with defaults", async () => {
    const path = write(
      "ok.yaml",
      `agents:
  ci-deployer:
    key_sha256: "${hashKey(CI_KEY)}"
    access: [read, write]
    apps: [my-app]
    destructive: deny
    tools: { deny: [secrets_delete] }
  viewer: {}
  ops:
    key_sha256: ${hashKey(OPS_KEY)}
    access: [read, write, exec, admin]
    apps: "*"
    destructive: allow
    reveal_secrets: true
`,
    );
    const file = await loadPolicyFile(path, { knownTools: known });
    expect(file.path).toBe(path);
    expect(file.agents["ci-deployer"]).toEqual({
      name: "ci-deployer",
      key_sha256: hashKey(CI_KEY),
      access: ["read", "write"],
      apps: ["my-app"],
      destructive: "deny",
      tools: { deny: ["secrets_delete"] },
      source: "file",
    });
    expect(file.agents.viewer).toEqual({
      name: "viewer",
      access: ["read"],
      apps: "*",
      destructive: "confirm",
      source: "file",
    });
    expect(file.agents.ops).toMatchObject({ apps: "*", reveal_secrets: true, destructive: "allow" });
  });

  it("loads JSON", async () => {
    const path = write(
      "ok.json",
      JSON.stringify({ agents: { a: { access: ["read", "exec"], apps: ["x"] } } }),
    );
    const file = await loadPolicyFile(path);
    expect(file.agents.a).toMatchObject({ access: ["read", "exec"], apps: ["x"], destructive: "confirm" });
  });

  it("bad YAML names the file and the line", async () => {
    const path = write("bad.yaml", "agents:\n  a: [read\n  b: {}\n");
    const err = await errorOf(path);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not valid YAML or JSON/);
    expect(err.message).toMatch(/line \d+/);
  });

  it("unknown access class: file, path and the allowed values", async () => {
    const path = write("access.yaml", "agents:\n  ci-deployer:\n    access: [read, wrte]\n");
    const err = await errorOf(path);
    expect(err.message).toBe(
      `policy file ${path}: agents.ci-deployer.access[1]: got "wrte"; must be one of read, write, exec, admin`,
    );
    expect(err.issues).toEqual([{ at: "agents.ci-deployer.access[1]", message: expect.any(String) }]);
  });

  it.each([
    ["uppercase hex", "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"],
    ["too short", "ba7816bf"],
    ["a raw key", "my-plain-secret-key"],
    ["a number", "12345"],
  ])("rejects a key hash that is %s, without echoing it", async (_why, value) => {
    const path = write("key.yaml", `agents:\n  a:\n    key_sha256: ${value}\n`);
    const err = await errorOf(path);
    expect(err.message).toContain(path);
    expect(err.message).toContain("agents.a.key_sha256");
    expect(err.message).toMatch(/64 lowercase hex/);
    expect(err.message).not.toContain(value);
  });

  it("unknown field: names it and lists the allowed ones", async () => {
    const path = write("field.yaml", "agents:\n  a:\n    acess: [read]\n");
    const err = await errorOf(path);
    expect(err.message).toBe(
      `policy file ${path}: agents.a.acess: unknown field "acess"; allowed fields here: key_sha256, access, apps, destructive, confirm_fallback, toolsets, tools, reveal_secrets, oauth, approvers`,
    );
  });

  it("unknown top-level and tools fields", async () => {
    const path = write("top.yaml", "agent:\n  a: {}\n");
    const err = await errorOf(path);
    expect(err.message).toMatch(/agent: unknown field "agent"; allowed fields here: agents/);
    const tools = write("tools.yaml", "agents:\n  a:\n    tools: { block: [apps_delete] }\n");
    expect((await errorOf(tools)).message).toMatch(
      /agents\.a\.tools\.block: unknown field "block"; allowed fields here: allow, deny/,
    );
  });

  it("several problems are listed in one message", async () => {
    const path = write(
      "many.yaml",
      "agents:\n  a:\n    access: [root]\n    destructive: maybe\n    apps: []\n",
    );
    const err = await errorOf(path);
    expect(err.issues).toHaveLength(3);
    expect(err.message).toContain("has 3 problems");
    expect(err.message).toContain('agents.a.destructive: got "maybe"; must be one of deny, confirm, allow');
    expect(err.message).toContain('agents.a.apps: must be "*" (every app) or a non-empty list of app names');
  });

  it("wrong types get a readable message", async () => {
    const path = write(
      "types.yaml",
      "agents:\n  a: read\n  b:\n    access: read\n    reveal_secrets: yes-please\n",
    );
    const err = await errorOf(path);
    expect(err.message).toContain('agents.a: got "read"; must be a mapping of policy fields');
    expect(err.message).toContain('agents.b.access: got "read"; must be a list, e.g. [read, write]');
    expect(err.message).toContain('agents.b.reveal_secrets: got "yes-please"; must be true or false');
  });

  it("empty and missing files", async () => {
    expect((await errorOf(write("empty.yaml", ""))).message).toMatch(
      /is empty; it needs an `agents:` mapping/,
    );
    expect((await errorOf(join(dir, "nope.yaml"))).message).toMatch(
      /nope\.yaml: does not exist \(ENOENT\); check the --policy path/,
    );
  });

  it("unknown tool names in allow/deny lists, with a suggestion", async () => {
    const path = write(
      "tools2.yaml",
      "agents:\n  a:\n    tools: { allow: [machines_list], deny: [secret_delete] }\n",
    );
    const err = await errorOf(path, known);
    expect(err.message).toBe(
      `policy file ${path}: agents.a.tools.deny[0]: unknown tool "secret_delete"; did you mean "secrets_delete"? tool names are listed by tools/list`,
    );
    // Without known tools the file loads; the check can run later.
    const file = await loadPolicyFile(path);
    expect(() => checkToolNames(file, known)).toThrow(/agents\.a\.tools\.deny\[0\]/);
  });

  it("two agents with the same key hash", async () => {
    const h = hashKey(newKey());
    const path = write("dup.yaml", `agents:\n  a: { key_sha256: ${h} }\n  b: { key_sha256: ${h} }\n`);
    expect((await errorOf(path)).message).toMatch(/agents\.b\.key_sha256: same key hash as agents\.a/);
  });

  it("quotes agent names that are not plain words in paths", () => {
    expect(() => parsePolicy('agents:\n  "my agent": { access: [nope] }\n', "p.yaml")).toThrow(
      'policy file p.yaml: agents["my agent"].access[0]: got "nope"; must be one of read, write, exec, admin',
    );
  });
});

describe("keys anyone can read are refused", () => {
  it("the shipped example policy has no usable hash, and the error says how to make one", async () => {
    const err = await errorOf("deploy/policy.example.yaml");
    expect(err.message).toContain("agents.ci-deployer.key_sha256");
    expect(err.message).toContain("fly-machines-mcp hash-key");
  });

  it("a hash of a key published in this repository is refused by name", async () => {
    // The placeholder key the example policy once shipped with, its hash taken by sha256sum.
    const published = "078f5c04465269ffdd6091df6483e6735451263550b8a8ed07f887813579047a";
    const path = write("public.yaml", `agents:\n  ci: { key_sha256: "${published}" }\n`);
    const err = await errorOf(path);
    expect(err.message).toMatch(
      /agents\.ci\.key_sha256: is the hash of a key published in this project's repository/,
    );
    expect(err.message).toContain("fly-machines-mcp hash-key");
  });

  it("no key written in the example, tests or benchmarks of this repository is accepted", () => {
    // Keys found written out literally in the tree (older versions of tests and the example).
    for (const key of ["CHANGE-ME-ci-deployer-key", "CHANGE-ME-oncall-key", "CHANGE-ME-dashboard-key"]) {
      expect(() => parsePolicy(`agents:\n  a: { key_sha256: ${hashKey(key)} }\n`, "p.yaml")).toThrow(
        /published/,
      );
    }
  });
});

describe("exec without reveal_secrets", () => {
  it("warns in one line naming the agents, since exec can read secrets", () => {
    const file = parsePolicy(
      "agents:\n  oncall: { access: [read, exec] }\n  trusted: { access: [exec], reveal_secrets: true }\n  reader: {}\n",
      "p.yaml",
    );
    expect(file.warnings).toHaveLength(1);
    expect(file.warnings![0]).toMatch(
      /agents oncall have exec but not reveal_secrets: exec can read secret values/,
    );
    expect(file.warnings![0]).not.toContain("trusted");
    expect(file.warnings![0]).not.toContain("\n");
  });

  it("the example no longer says the exec agent's secret values stay hidden", () => {
    expect(readFileSync("deploy/policy.example.yaml", "utf8")).not.toMatch(/secret values stay hidden/);
  });
});

describe("a YAML alias that refers to itself", () => {
  it("is refused naming where it is, not with a JSON error", () => {
    expect(() => parsePolicy("agents:\n  a: &x\n    access: [*x]\n", "p.yaml")).toThrow(
      "policy file p.yaml: agents.a.access[0]: refers to itself through a YAML alias",
    );
  });
});

describe("findAgentByKey", () => {
  const file = parsePolicy(
    `agents:\n  ci: { key_sha256: ${hashKey(CI_KEY)} }\n  ops: { key_sha256: ${hashKey(OPS_KEY)}, access: [read, write] }\n  nokey: {}\n`,
    "keys.yaml",
  );

  it("finds the agent whose key matches", () => {
    expect(findAgentByKey(file, CI_KEY)?.name).toBe("ci");
    expect(findAgentByKey(file, `${OPS_KEY}\n`)).toMatchObject({
      name: "ops",
      policy: { access: ["read", "write"] },
    });
  });

  it("returns undefined for unknown, empty or hash-as-key", () => {
    expect(findAgentByKey(file, "wrong")).toBeUndefined();
    expect(findAgentByKey(file, "")).toBeUndefined();
    expect(findAgentByKey(file, "   ")).toBeUndefined();
    expect(findAgentByKey(file, hashKey(CI_KEY))).toBeUndefined();
  });
});

describe("policyFromFlags", () => {
  it("defaults to read and confirm on every app", () => {
    expect(policyFromFlags()).toEqual({
      name: "local",
      access: ["read"],
      apps: "*",
      destructive: "confirm",
      source: "flags",
    });
  });
  it("maps access levels", () => {
    expect(policyFromFlags({ access: "write" }).access).toEqual(["read", "write"]);
    expect(policyFromFlags({ access: "all" }).access).toEqual(["read", "write", "exec"]);
  });
  it("pins apps and reveals secrets on request", () => {
    expect(
      policyFromFlags({ apps: ["a", "b", "a"], destructive: "allow", revealSecrets: true }),
    ).toMatchObject({
      apps: ["a", "b"],
      destructive: "allow",
      reveal_secrets: true,
    });
    expect(policyFromFlags({ apps: [] }).apps).toBe("*");
    expect(policyFromFlags({ apps: ["*"] }).apps).toBe("*");
  });
});
