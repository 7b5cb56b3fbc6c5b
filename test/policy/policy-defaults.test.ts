import { describe, expect, it } from "vitest";
import { parsePolicy, policyFromFlags } from "../../src/policy/index.js";

// toStrictEqual: a field the file or the flags leave out must be absent, not present as undefined.
describe("an agent in the file has only the fields it sets, plus the defaults", () => {
  it("an empty agent: read, every app, confirm", () => {
    const file = parsePolicy("agents:\n  a: {}\n", "p.yaml");
    expect(file.agents.a).toStrictEqual({
      name: "a",
      access: ["read"],
      apps: "*",
      destructive: "confirm",
      source: "file",
    });
  });

  it("every optional field set is kept", () => {
    const hash = "d".repeat(64);
    const file = parsePolicy(
      "approvers: { alice: { key_sha256: " +
        "e".repeat(64) +
        " } }\nagents:\n  a:\n" +
        `    key_sha256: ${hash}\n    access: [read, read, write]\n    apps: [x, x]\n    destructive: approve\n` +
        "    confirm_fallback: deny\n    toolsets: [core, core]\n    tools: { deny: [apps_delete] }\n" +
        "    reveal_secrets: false\n    oauth: { sub: [alice] }\n    approvers: [alice, alice]\n",
      "p.yaml",
    );
    expect(file.agents.a).toStrictEqual({
      name: "a",
      access: ["read", "write"],
      apps: ["x"],
      destructive: "approve",
      source: "file",
      toolsets: ["core"],
      confirm_fallback: "deny",
      tools: { deny: ["apps_delete"] },
      reveal_secrets: false,
      key_sha256: hash,
      oauth: { sub: ["alice"] },
      approvers: ["alice"],
    });
  });
});

describe("policyFromFlags", () => {
  it("empty app names are dropped, and none left means every app", () => {
    expect(policyFromFlags({ apps: [""] }).apps).toBe("*");
    expect(policyFromFlags({ apps: ["", "a"] }).apps).toEqual(["a"]);
  });

  it("* among named apps means every app", () => {
    expect(policyFromFlags({ apps: ["a", "*"] }).apps).toBe("*");
  });

  it("--confirm-fallback is kept when given and absent otherwise", () => {
    expect(policyFromFlags({ confirmFallback: "echo" })).toStrictEqual({
      name: "local",
      access: ["read"],
      apps: "*",
      destructive: "confirm",
      source: "flags",
      confirm_fallback: "echo",
    });
    expect(policyFromFlags({ access: "write" })).toStrictEqual({
      name: "local",
      access: ["read", "write"],
      apps: "*",
      destructive: "confirm",
      source: "flags",
    });
  });
});
