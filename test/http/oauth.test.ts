import { randomBytes } from "node:crypto";
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/policy/agent-policy.js";
import {
  type AuthServer,
  signingKey,
  startAuthServer,
  type TestClient,
  testClient,
} from "./oauth-provider.js";
import {
  callBody,
  connectWithToken,
  listBody,
  type OAuthTestServer,
  post,
  startOAuthServer,
  toolNames,
} from "./oauth-support.js";

const reader = testClient("reader-client", "fly:read");
const ops = testClient("ops-client", "fly:read fly:write fly:exec", ["platform"]);
const opsReadOnly = testClient("ops-readonly", "fly:read", ["platform"]);
const opsNoScope = testClient("ops-noscope", "", ["platform"]);
const both = testClient("both-client", "fly:read", ["platform"]);
const stranger = testClient("stranger-client", "fly:read fly:write");
const CLIENTS = [reader, ops, opsReadOnly, opsNoScope, both, stranger];
const KEY = randomBytes(18).toString("base64url");
const OTHER_RESOURCE = "https://other.example/mcp";

const POLICY = `
agents:
  reader:
    access: [read]
    oauth: { client_id: [reader-client, both-client] }
  ops:
    access: [read, write, exec]
    destructive: allow
    oauth: { groups: [platform] }
  keyed:
    access: [read]
    key_sha256: ${hashKey(KEY)}
`;

/** Resource indicators the authorization server knows; ours is added once our server listens. */
const resources: string[] = [];
let as: AuthServer;
let server: OAuthTestServer;
let clock: number | undefined;
const tokens: string[] = [];

async function tokenFor(client: TestClient, opts: { resource?: string; scope?: string } = {}) {
  const token = await as.token(client, { resource: server.url, ...opts });
  tokens.push(token);
  return token;
}

beforeAll(async () => {
  as = await startAuthServer({ resources, clients: CLIENTS });
  server = await startOAuthServer({
    policy: POLICY,
    flags: { oauthIssuer: as.issuer },
    // Tolerance 0 and an injected clock make expiry exact; cooldown 0 lets a rotation be seen at once.
    validation: { now: () => clock ?? Date.now(), clockToleranceS: 0, jwksCooldownMs: 0 },
    stateless: true,
  });
  resources.push(server.url, OTHER_RESOURCE);
});

afterAll(async () => {
  await server?.close();
  await as?.close();
});

describe("Protected Resource Metadata", () => {
  it.each(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])(
    "serves %s naming the resource, the issuer and the scopes",
    async (path) => {
      const res = await fetch(new URL(path, server.url));
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(await res.json()).toMatchObject({
        resource: server.url,
        authorization_servers: [as.issuer],
        scopes_supported: ["fly:read", "fly:write", "fly:exec", "fly:admin"],
        bearer_methods_supported: ["header"],
      });
    },
  );

  it("answers a request without credentials with 401 and where the metadata is", async () => {
    const res = await post(server.url, undefined, listBody);
    expect(res.status).toBe(401);
    const origin = new URL(server.url).origin;
    expect(res.challenge).toBe(
      `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(JSON.stringify(res.json)).toContain(`access token from ${as.issuer}`);
  });
});

describe("valid tokens", () => {
  it("a client-credentials token lists and calls the tools of the agent it maps to", async () => {
    const token = await tokenFor(reader);
    const client = await connectWithToken(server.url, token);
    const names = await toolNames(client);
    expect(names).toContain("apps_list");
    expect(names).not.toContain("apps_create");
    const result = await client.callTool({ name: "apps_list", arguments: { org_slug: "personal" } });
    expect(result.isError).toBeFalsy();
    await client.close();
    const line = server.audit().find((l) => l.tool === "apps_list" && l.agent === "reader");
    expect(line?.subject).toEqual({ iss: as.issuer, sub: "reader-client", client_id: "reader-client" });
  });

  it("claims that map to two different agents give two different tool lists", async () => {
    const readerTools = await toolNames(await connectWithToken(server.url, await tokenFor(reader)));
    const opsClient = await connectWithToken(server.url, await tokenFor(ops));
    const opsTools = await toolNames(opsClient);
    expect(opsTools).toEqual(expect.arrayContaining(["apps_list", "apps_create", "machines_exec"]));
    expect(readerTools).not.toContain("machines_exec");
    expect(opsTools.length).toBeGreaterThan(readerTools.length);
    const created = await opsClient.callTool({
      name: "apps_create",
      arguments: { name: "oauth-made-app", org_slug: "personal" },
    });
    expect(created.isError).toBeFalsy();
    const line = server.audit().find((l) => l.tool === "apps_create" && l.event === "tool_call");
    expect(line).toMatchObject({ agent: "ops", decision: "allow", subject: { sub: "ops-client" } });
  });

  it("agent keys keep working beside OAuth", async () => {
    const client = await connectWithToken(server.url, KEY);
    expect(await toolNames(client)).toContain("apps_list");
  });
});

describe("scopes cap the agent", () => {
  it("a token without fly:write lists no write tool, and a write call gets 403 insufficient_scope", async () => {
    const token = await tokenFor(opsReadOnly);
    const listed = await toolNames(await connectWithToken(server.url, token));
    expect(listed).toContain("apps_list");
    expect(listed).not.toContain("apps_create");

    const res = await post(
      server.url,
      token,
      callBody("apps_create", { app_name: "nope", org_slug: "personal" }),
    );
    expect(res.status).toBe(403);
    expect(res.challenge).toMatch(
      /^Bearer error="insufficient_scope", scope="fly:write", resource_metadata="/,
    );
    expect(JSON.stringify(res.json)).toContain("apps_create needs scope fly:write");
    expect(server.audit().some((l) => l.tool === "apps_create" && l.app === "nope")).toBe(false);
  });

  it("a call the agent's policy itself forbids is denied by the gate, not answered with a scope", async () => {
    // reader has no exec in the policy: more scope would not help, so no step-up is offered.
    const res = await post(server.url, await tokenFor(reader), callBody("machines_exec", { app_name: "a" }));
    expect(res.status).toBe(200);
    expect(res.challenge).toBeNull();
  });

  it("a token with none of the agent's scopes is refused with the scope to ask for", async () => {
    const res = await post(server.url, await tokenFor(opsNoScope), listBody);
    expect(res.status).toBe(403);
    expect(res.challenge).toContain('error="insufficient_scope", scope="fly:read"');
  });
});

describe("tokens that are refused", () => {
  const expectInvalid = async (token: string, reason: RegExp) => {
    const res = await post(server.url, token, listBody);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(
      /^Bearer error="invalid_token", resource_metadata="[^"]+", error_description="/,
    );
    expect(res.challenge).toMatch(reason);
    return res;
  };

  it("expired: refused from its exp on, by the validator's clock", async () => {
    const token = await tokenFor(reader);
    const { exp } = decodeJwt(token);
    try {
      clock = exp! * 1000 - 1000;
      expect((await post(server.url, token, listBody)).status).toBe(200);
      clock = exp! * 1000;
      await expectInvalid(token, /expired/);
    } finally {
      clock = undefined;
    }
  });

  /** Claims of a genuine token, re-signed with the issuer's own current key (for claims it never issues). */
  async function resigned(change: (claims: Record<string, unknown>) => void): Promise<string> {
    const genuine = await tokenFor(reader);
    const claims: Record<string, unknown> = { ...decodeJwt(genuine) };
    change(claims);
    const key = as.keys[0]!;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "at+jwt" })
      .sign(await importJWK(key, "ES256"));
    tokens.push(token);
    return token;
  }

  it("not valid yet: refused before its nbf, by the validator's clock", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await resigned((c) => {
      c.nbf = now + 300;
    });
    try {
      clock = (now + 299) * 1000;
      await expectInvalid(token, /not valid yet \(nbf\)/);
      clock = (now + 300) * 1000;
      expect((await post(server.url, token, listBody)).status).toBe(200);
    } finally {
      clock = undefined;
    }
  });

  it("a token without exp is refused", async () => {
    await expectInvalid(await resigned((c) => delete c.exp), /exp/);
  });

  it("wrong audience: a token the same issuer made for another resource", async () => {
    await expectInvalid(await tokenFor(reader, { resource: OTHER_RESOURCE }), /another resource \(aud\)/);
  });

  it("wrong issuer: a token signed with the right key by another issuer", async () => {
    const impostor = await startAuthServer({ resources, clients: CLIENTS, keys: as.keys });
    try {
      const token = await impostor.token(reader, { resource: server.url });
      tokens.push(token);
      expect(decodeProtectedHeader(token).kid).toBe(as.keys[0]!.kid);
      await expectInvalid(token, /another issuer \(iss\)/);
    } finally {
      await impostor.close();
    }
  });

  it("bad signature: the same claims signed by another key under the issuer's key id", async () => {
    const genuine = await tokenFor(reader);
    const forgedKey = await signingKey();
    const forged = await new SignJWT(decodeJwt(genuine))
      .setProtectedHeader(decodeProtectedHeader(genuine) as { alg: string })
      .sign(await importJWK(forgedKey, "ES256"));
    await expectInvalid(forged, /signature does not verify/);
  });

  it("bad signature: a payload changed after signing", async () => {
    const [header, , signature] = (await tokenFor(reader)).split(".");
    const payload = Buffer.from(
      JSON.stringify({ ...decodeJwt(await tokenFor(reader)), sub: "ops-client" }),
    ).toString("base64url");
    await expectInvalid(`${header}.${payload}.${signature}`, /signature does not verify/);
  });

  it("an opaque token without introspection credentials is refused", async () => {
    await expectInvalid("not-a-jwt-and-no-introspection", /not a JWT/);
  });

  it("a token whose claims map to no agent, or to two, is refused with 403 and says why", async () => {
    const none = await post(server.url, await tokenFor(stranger), listBody);
    expect(none.status).toBe(403);
    expect(JSON.stringify(none.json)).toContain("no agent in the policy file maps to this token");
    const two = await post(server.url, await tokenFor(both), listBody);
    expect(two.status).toBe(403);
    expect(JSON.stringify(two.json)).toMatch(
      /more than one agent \(reader by client_id both-client, ops by group platform\)/,
    );
  });
});

describe("sessions", () => {
  it("a session stays with the caller and scopes that opened it: another token of the same agent gets 404", async () => {
    const stateful = await startOAuthServer({ policy: POLICY, flags: { oauthIssuer: as.issuer } });
    resources.push(stateful.url);
    try {
      const narrow = await as.token(opsReadOnly, { resource: stateful.url });
      const wide = await as.token(ops, { resource: stateful.url });
      const transport = new StreamableHTTPClientTransport(new URL(stateful.url), {
        requestInit: { headers: { Authorization: `Bearer ${narrow}` } },
      });
      const client = new Client({ name: "narrow", version: "1.0.0" });
      await client.connect(transport);
      expect(await toolNames(client)).not.toContain("apps_create");
      const res = await fetch(stateful.url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${wide}`,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
          "Mcp-Session-Id": transport.sessionId!,
          "Mcp-Protocol-Version": transport.protocolVersion ?? "2025-06-18",
        },
        body: JSON.stringify(listBody),
      });
      expect(res.status).toBe(404);
      await client.close();
    } finally {
      await stateful.close();
    }
  });
});

describe("key rotation at the issuer", () => {
  it("a token signed with a new key is accepted after the JWKS is downloaded again", async () => {
    expect((await post(server.url, await tokenFor(reader), listBody)).status).toBe(200);
    const jwksBefore = as.hits.filter((p) => p === "/jwks").length;
    const fresh = await signingKey();
    await as.reconfigure({ keys: [fresh, ...as.keys] });
    const token = await tokenFor(reader);
    expect(decodeProtectedHeader(token).kid).toBe(fresh.kid);
    expect((await post(server.url, token, listBody)).status).toBe(200);
    expect(as.hits.filter((p) => p === "/jwks").length).toBe(jwksBefore + 1);
  });
});

describe("discovery -> token -> tools/call with the SDK's OAuth client", () => {
  it("the SDK client finds the issuer through the metadata, gets a token and calls a tool", async () => {
    const seen: string[] = [];
    const provider = new ClientCredentialsProvider({
      clientId: ops.id,
      clientSecret: ops.secret,
      // A machine client asks for the scopes it is configured with.
      scope: ops.scopes,
      expectedIssuer: as.issuer,
    });
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      authProvider: provider,
      fetch: async (input, init) => {
        seen.push(new URL(input instanceof Request ? input.url : String(input)).pathname);
        return fetch(input, init);
      },
    });
    const client = new Client({ name: "oauth-sdk", version: "1.0.0" });
    await client.connect(transport);
    const result = await client.callTool({ name: "apps_list", arguments: { org_slug: "personal" } });
    expect(result.isError).toBeFalsy();
    expect(seen).toEqual(
      expect.arrayContaining(["/.well-known/oauth-protected-resource/mcp", "/token", "/mcp"]),
    );
    const token = provider.tokens()?.access_token;
    expect(token).toBeTruthy();
    tokens.push(token!);
    expect(decodeJwt(token!).aud).toBe(server.url);
    await client.close();
  });
});

describe("secrets", () => {
  it("no token ever shows up in the log or the audit", () => {
    const written = server.logs() + JSON.stringify(server.audit());
    expect(tokens.length).toBeGreaterThan(5);
    for (const token of [...tokens, KEY]) expect(written).not.toContain(token);
  });
});
