import { describe, expect, it } from "vitest";
import {
  createAccessControl,
  decide,
  isListed,
  PolicyFileError,
  parsePolicy,
  policyFromFlags,
} from "../../src/policy/index.js";
import { allTools } from "../../src/tools/index.js";
import type { ToolDef } from "../../src/tools/types.js";

const tool = (name: string): ToolDef => allTools.find((t) => t.name === name) ?? expect.unreachable(name);

function problem(text: string): string {
  try {
    parsePolicy(text, "p.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as Error).message;
  }
  return expect.unreachable("expected a PolicyFileError");
}

describe("toolsets: per agent in the policy file", () => {
  it("a list, all, or the server's default when absent", () => {
    const file = parsePolicy(
      `agents:
  a: { toolsets: [core, certificates, core] }
  b: { toolsets: all }
  c: { toolsets: [core, all] }
  d: {}
`,
      "p.yaml",
      { defaultToolsets: ["core", "platform"] },
    );
    expect(file.agents.a!.toolsets).toEqual(["core", "certificates"]);
    expect(file.agents.b!.toolsets).toBe("all");
    expect(file.agents.c!.toolsets).toBe("all");
    expect(file.agents.d!.toolsets).toEqual(["core", "platform"]);
  });

  it("an unknown toolset names the field, suggests the nearest and lists them all", () => {
    expect(problem("agents:\n  ops: { toolsets: [core, certifcates] }\n")).toBe(
      'policy file p.yaml: agents.ops.toolsets[1]: unknown toolset "certifcates"; did you mean "certificates"? ' +
        "the toolsets are all, core, platform, org, certificates, ips, metadata, memory, cordon, secrets, " +
        "secretkeys, snapshots, placements, tokens, postgres, deprecated",
    );
  });

  it("an empty list or a wrong type names the field", () => {
    expect(problem("agents:\n  ops: { toolsets: [] }\n")).toMatch(
      /^policy file p\.yaml: agents\.ops\.toolsets: .*must be all or a non-empty list of toolsets/,
    );
    expect(problem("agents:\n  ops: { toolsets: core }\n")).toMatch(
      /^policy file p\.yaml: agents\.ops\.toolsets: got "core"; must be all or a non-empty list/,
    );
  });

  it("the gate lists and allows only tools of the agent's toolsets, naming the fix in the file", () => {
    const [ops] = Object.values(
      parsePolicy("agents:\n  ops: { access: [read, write], toolsets: [core] }\n", "p.yaml").agents,
    );
    expect(isListed({ scope: "org", policy: ops!, tool: tool("machines_list") })).toBe(true);
    expect(isListed({ scope: "org", policy: ops!, tool: tool("certificates_list") })).toBe(false);
    expect(
      decide({ scope: "org", policy: ops!, tool: tool("certificates_list"), args: { app_name: "a" } }),
    ).toEqual({
      kind: "deny",
      reason:
        "certificates_list is in toolset certificates, which agent ops does not have (its toolsets: core)",
      fix: "add certificates to agents.ops.toolsets in the policy file",
    });
  });

  it("--toolsets narrows the local agent the same way; all and absent mean every toolset", () => {
    const local = (toolsets?: "all" | string[]) =>
      createAccessControl({ scope: "org", policy: policyFromFlags({ access: "read", toolsets }) });
    expect(local(["core"]).isListed(tool("certificates_list"))).toBe(false);
    expect(local(["core", "certificates"]).isListed(tool("certificates_list"))).toBe(true);
    expect(local(["all"]).isListed(tool("certificates_list"))).toBe(true);
    expect(local().isListed(tool("certificates_list"))).toBe(true);
  });
});

describe("confirm_fallback in the policy file", () => {
  it("echo or deny; deny when absent", () => {
    const file = parsePolicy("agents:\n  a: { confirm_fallback: echo }\n  b: {}\n", "p.yaml");
    expect(file.agents.a!.confirm_fallback).toBe("echo");
    expect(createAccessControl({ scope: "org", policy: file.agents.b! }).confirmFallback).toBe("deny");
    expect(createAccessControl({ scope: "org", policy: file.agents.a! }).confirmFallback).toBe("echo");
  });

  it("another value names the field and the choices", () => {
    expect(problem("agents:\n  a: { confirm_fallback: type-it }\n")).toBe(
      'policy file p.yaml: agents.a.confirm_fallback: got "type-it"; must be deny (the default) or echo',
    );
  });

  it("warns when it can never apply (destructive is not confirm)", () => {
    const file = parsePolicy("agents:\n  a: { confirm_fallback: echo, destructive: deny }\n", "p.yaml");
    expect(file.warnings).toEqual([
      "policy file p.yaml: agents a have confirm_fallback: echo without destructive: confirm, so it never applies",
    ]);
  });
});
