import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthServer, startAuthServer, testClient } from "./oauth-provider.js";
import {
  connectWithToken,
  listBody,
  type OAuthTestServer,
  post,
  startOAuthServer,
  toolNames,
} from "./oauth-support.js";

const reader = testClient("reader-client", "fly:read");
// The resource server's own credentials at the issuer, for RFC 7662 introspection.
const introspector = testClient("mcp-server", "");
const OTHER_RESOURCE = "https://other.example/mcp";

const POLICY = `
agents:
  reader:
    access: [read]
    oauth: { client_id: [reader-client] }
`;

const resources: string[] = [];
let as: AuthServer;
let server: OAuthTestServer;
let wrongSecret: OAuthTestServer;

beforeAll(async () => {
  as = await startAuthServer({ resources, clients: [reader, introspector], format: "opaque" });
  const flags = { oauthIssuer: as.issuer, oauthClientId: introspector.id };
  server = await startOAuthServer({
    policy: POLICY,
    flags,
    env: { FLY_MCP_OAUTH_CLIENT_SECRET: introspector.secret },
    stateless: true,
  });
  wrongSecret = await startOAuthServer({
    policy: POLICY,
    flags,
    env: { FLY_MCP_OAUTH_CLIENT_SECRET: `${introspector.secret}-not` },
    stateless: true,
  });
  resources.push(server.url, wrongSecret.url, OTHER_RESOURCE);
});

afterAll(async () => {
  await server?.close();
  await wrongSecret?.close();
  await as?.close();
});

describe("opaque tokens checked by introspection", () => {
  it("an active token works and the audit names its subject", async () => {
    const token = await as.token(reader, { resource: server.url });
    expect(token.split(".")).toHaveLength(1);
    const client = await connectWithToken(server.url, token);
    expect(await toolNames(client)).toContain("apps_list");
    await client.callTool({ name: "apps_list", arguments: { org_slug: "personal" } });
    const line = server.audit().find((l) => l.tool === "apps_list");
    expect(line).toMatchObject({ agent: "reader", subject: { iss: as.issuer, sub: "reader-client" } });
    expect(server.logs() + JSON.stringify(server.audit())).not.toContain(token);
    expect(server.logs()).not.toContain(introspector.secret);
  });

  it("a revoked token is refused on its next use", async () => {
    const token = await as.token(reader, { resource: server.url });
    expect((await post(server.url, token, listBody)).status).toBe(200);
    await as.revoke(reader, token);
    const res = await post(server.url, token, listBody);
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('error="invalid_token"');
    expect(res.challenge).toContain("not active");
  });

  it("a token for another resource is refused (aud)", async () => {
    const res = await post(server.url, await as.token(reader, { resource: OTHER_RESOURCE }), listBody);
    expect(res.status).toBe(401);
    expect(res.challenge).toContain("another resource (aud)");
  });

  it("introspection the issuer refuses (wrong credentials) fails closed with 503", async () => {
    const res = await post(wrongSecret.url, await as.token(reader, { resource: wrongSecret.url }), listBody);
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.json)).toContain("introspection answered HTTP 401");
  });
});
