import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/index.js";

describe("warnings for settings that do not do what they seem to", () => {
  it("every exec agent without reveal_secrets is named in one line", () => {
    const file = parsePolicy(
      "agents:\n  a: { access: [exec] }\n  b: { access: [read, exec], reveal_secrets: false }\n  c: { access: [read] }\n",
      "p.yaml",
    );
    expect(file.warnings).toEqual([
      "policy file p.yaml: agents a, b have exec but not reveal_secrets: exec can read secret values (printenv), " +
        "so reveal_secrets: false does not hide them from these agents",
    ]);
  });

  it("echo is named for agents whose destructive calls are never confirmed, not for the others", () => {
    const file = parsePolicy(
      "agents:\n" +
        "  deny: { confirm_fallback: echo, destructive: deny }\n" +
        "  allow: { confirm_fallback: echo, destructive: allow }\n" +
        "  confirm: { confirm_fallback: echo, destructive: confirm }\n" +
        "  plain: { confirm_fallback: deny, destructive: deny }\n" +
        "  unset: { destructive: allow }\n",
      "p.yaml",
    );
    expect(file.warnings).toEqual([
      "policy file p.yaml: agents deny, allow have confirm_fallback: echo without destructive: confirm, so it never applies",
    ]);
  });

  it("a file with nothing odd has no warnings", () => {
    const file = parsePolicy(
      "agents:\n  a: { access: [read, write], confirm_fallback: echo }\n  b: { access: [exec], reveal_secrets: true }\n",
      "p.yaml",
    );
    expect(file.warnings).toBeUndefined();
  });
});
