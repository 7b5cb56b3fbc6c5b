import { describe, expect, it } from "vitest";
import { checkToolNames, PolicyFileError, parsePolicy } from "../../src/policy/index.js";

const TOOLSETS =
  "the toolsets are all, core, platform, org, certificates, ips, metadata, memory, cordon, secrets, " +
  "secretkeys, snapshots, placements, tokens, postgres, deprecated";

function messageOf(text: string, knownTools?: string[]): string {
  try {
    parsePolicy(text, "p.yaml", { knownTools });
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return (error as PolicyFileError).message;
  }
  throw new Error("expected a PolicyFileError");
}

const toolset = (name: string) => messageOf(`agents:\n  a: { toolsets: [${name}] }\n`);

// A suggestion is made within max(3, a third of the name's length) edits, and not beyond.
describe("an unknown toolset suggests the nearest name only when it is close", () => {
  it("three edits from a short name: suggested", () => {
    expect(toolset("ipsxyz")).toBe(
      `policy file p.yaml: agents.a.toolsets[0]: unknown toolset "ipsxyz"; did you mean "ips"? ${TOOLSETS}`,
    );
  });

  it("four edits from a short name: no suggestion", () => {
    expect(toolset("ipsxyzw")).toBe(
      `policy file p.yaml: agents.a.toolsets[0]: unknown toolset "ipsxyzw"; ${TOOLSETS}`,
    );
  });

  it("four edits in a name of 14 characters: suggested", () => {
    expect(toolset("secretkeysqqqq")).toBe(
      `policy file p.yaml: agents.a.toolsets[0]: unknown toolset "secretkeysqqqq"; did you mean "secretkeys"? ${TOOLSETS}`,
    );
  });

  it("five edits in a name of 14 characters: no suggestion", () => {
    expect(toolset("secretkeyqqqqq")).toBe(
      `policy file p.yaml: agents.a.toolsets[0]: unknown toolset "secretkeyqqqqq"; ${TOOLSETS}`,
    );
  });
});

describe("unknown tool names in allow and deny lists", () => {
  const tools = ["apps_list", "machines_list"];

  it("a name like no tool gets no suggestion", () => {
    expect(messageOf("agents:\n  a: { tools: { allow: [apps_list, zzzzzzzz] } }\n", tools)).toBe(
      'policy file p.yaml: agents.a.tools.allow[1]: unknown tool "zzzzzzzz"; tool names are listed by tools/list',
    );
  });

  it("checkToolNames passes a file whose tools all exist", () => {
    const file = parsePolicy(
      "agents:\n  a: { tools: { allow: [apps_list], deny: [machines_list] } }\n",
      "p.yaml",
    );
    expect(() => checkToolNames(file, tools)).not.toThrow();
  });
});
