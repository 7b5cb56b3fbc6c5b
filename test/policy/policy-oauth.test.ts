import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../src/policy/index.js";
import { messageOf } from "./policy-file-message.js";

describe("oauth claims of an agent", () => {
  it("one claim field is enough, and it is kept as listed", () => {
    const file = parsePolicy("agents:\n  a: { oauth: { groups: [deployers, ops] } }\n", "p.yaml");
    expect(file.agents.a!.oauth).toStrictEqual({ groups: ["deployers", "ops"] });
  });

  it("an oauth mapping naming no claim is refused with the fix", () => {
    expect(messageOf("agents:\n  a: { oauth: {} }\n")).toBe(
      "policy file p.yaml: agents.a.oauth: got {}; names no claim; list sub, groups or client_id values, or remove oauth",
    );
  });

  it("a value listed by two agents is refused at the second, naming the first", () => {
    expect(
      messageOf("agents:\n  a: { oauth: { sub: [alice] } }\n  b: { oauth: { sub: [bob, alice] } }\n"),
    ).toBe(
      'policy file p.yaml: agents.b.oauth.sub[1]: "alice" is also listed by agents.a; a token must map to one agent',
    );
  });

  it("the same value under another claim, or twice in one agent, is no clash", () => {
    const file = parsePolicy(
      "agents:\n  a: { oauth: { sub: [alice, alice] } }\n  b: { oauth: { groups: [alice], client_id: [alice] } }\n",
      "p.yaml",
    );
    expect(file.agents.a!.oauth).toStrictEqual({ sub: ["alice", "alice"] });
    expect(file.agents.b!.oauth).toStrictEqual({ groups: ["alice"], client_id: ["alice"] });
  });
});
