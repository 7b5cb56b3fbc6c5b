import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CliFlags, ConfigError, resolveConfig } from "../../src/config.js";
import { hashKey, PolicyFileError, parsePolicy } from "../../src/policy/agent-policy.js";

const base: CliFlags = { transport: "http", sandbox: true, policy: "policy.yaml" };
const problem = (flags: CliFlags, env: NodeJS.ProcessEnv = {}) => {
  try {
    resolveConfig({ ...base, ...flags }, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return undefined;
};

describe("OAuth settings", () => {
  it.each([
    [
      "plain http to another host",
      { oauthIssuer: "http://login.example.com/" },
      /--oauth-issuer: must use https:\/\//,
    ],
    ["not a URL", { oauthIssuer: "login.example.com" }, /--oauth-issuer: must be a URL/],
    [
      "a query string",
      { oauthIssuer: "https://login.example.com/?tenant=x" },
      /--oauth-issuer: must be a plain issuer URL/,
    ],
    [
      "under stdio",
      { oauthIssuer: "https://login.example.com/", transport: "stdio" },
      /--oauth-issuer: applies to --transport http/,
    ],
    [
      "without --policy",
      { oauthIssuer: "https://login.example.com/", policy: undefined },
      /--oauth-issuer: maps tokens to agents of --policy/,
    ],
    [
      "on a public address without --public-url",
      { oauthIssuer: "https://login.example.com/", host: "0.0.0.0" },
      /--public-url: is needed with --oauth-issuer on 0\.0\.0\.0/,
    ],
    ["a public URL over http", { publicUrl: "http://mcp.example.com" }, /--public-url: must use https:\/\//],
    [
      "a public URL with a path",
      { publicUrl: "https://mcp.example.com/mcp" },
      /--public-url: must be the server's origin without a path/,
    ],
    [
      "an audience without an issuer",
      { oauthAudience: "api://fly" },
      /--oauth-audience: only applies with --oauth-issuer/,
    ],
    [
      "a client id without its secret",
      { oauthIssuer: "https://login.example.com/", oauthClientId: "mcp" },
      /FLY_MCP_OAUTH_CLIENT_SECRET: introspection needs both/,
    ],
  ])("refuses %s, naming the setting", (_what, flags, message) => {
    expect(problem(flags)).toMatch(message);
  });

  it("never echoes the introspection secret", () => {
    const secret = "s3cr3t-value-for-introspection";
    const message = problem(
      { oauthIssuer: "http://login.example.com/" },
      { FLY_MCP_OAUTH_CLIENT_SECRET: secret },
    );
    expect(message).toBeDefined();
    expect(message).not.toContain(secret);
  });

  it.each([
    { oauthIssuer: "http://127.0.0.1:9000" },
    { oauthIssuer: "https://login.example.com/", host: "0.0.0.0", publicUrl: "https://mcp.example.com" },
  ])("accepts %j", (flags) => {
    expect(problem(flags)).toBeUndefined();
  });

  it("accepts introspection credentials, the secret from the environment", () => {
    const flags = {
      oauthIssuer: "https://login.example.com/",
      oauthAudience: "api://fly",
      oauthClientId: "mcp",
    };
    expect(problem(flags, { FLY_MCP_OAUTH_CLIENT_SECRET: "x" })).toBeUndefined();
    expect(
      problem({ oauthIssuer: "https://login.example.com/" }, { FLY_MCP_OAUTH_CLIENT_SECRET: "x" }),
    ).toMatch(/--oauth-client-id: introspection needs both/);
  });
});

describe("oauth: in the policy file", () => {
  const parse = (agent: string) => parsePolicy(`agents:\n  a:\n    ${agent}\n`, "p.yaml");
  const issue = (agent: string) => {
    try {
      parse(agent);
    } catch (error) {
      if (error instanceof PolicyFileError) return error.message;
      throw error;
    }
    return undefined;
  };

  it("keeps sub, groups and client_id lists", () => {
    expect(parse("oauth: { sub: [alice], groups: [ops], client_id: [ci] }").agents.a!.oauth).toEqual({
      sub: ["alice"],
      groups: ["ops"],
      client_id: ["ci"],
    });
  });

  it("refuses a claim value listed by two agents", () => {
    const text =
      "agents:\n  a: { oauth: { groups: [ops] } }\n  b: { oauth: { sub: [ops], groups: [dev, ops] } }\n";
    expect(() => parsePolicy(text, "p.yaml")).toThrow(
      'policy file p.yaml: agents.b.oauth.groups[1]: "ops" is also listed by agents.a; a token must map to one agent',
    );
  });

  it.each([
    [
      "oauth: { email: [a@b.c] }",
      /agents\.a\.oauth\.email: unknown field "email"; allowed fields here: sub, groups, client_id/,
    ],
    ["oauth: {}", /agents\.a\.oauth: .*names no claim/],
    ["oauth: { sub: [] }", /agents\.a\.oauth\.sub: must list at least one value/],
    ["oauth: { sub: alice }", /agents\.a\.oauth\.sub: .*must be a list of claim values/],
  ])("refuses %s", (agent, message) => {
    expect(issue(agent)).toMatch(message);
  });
});

describe("the README's OAuth policy example", () => {
  it("parses once its key hash placeholder is replaced", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const block = readme.split("```yaml\n").find((b) => b.includes("oauth: { groups: [sre] }"));
    const yaml = block!.split("```")[0]!.replace(/"REPLACE:[^\n]*"/, hashKey("k".repeat(32)));
    const file = parsePolicy(yaml, "README.md");
    expect(file.agents.oncall!.oauth).toEqual({ groups: ["sre"] });
    expect(file.agents["ci-deployer"]!.oauth).toEqual({ client_id: ["ci-pipeline"] });
  });
});
