import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { errors } from "oidc-provider";

/** One client of the test authorization server and what it may ask for at our resource. */
export interface TestClient {
  id: string;
  secret: string;
  /** Scopes the resource grants this client, e.g. "fly:read fly:write". */
  scopes: string;
  /** Put into its access tokens as a `groups` claim. */
  groups?: string[];
}

export interface AuthServerOptions {
  /** The resource indicators the server issues tokens for (our audience, and others). */
  resources: string[];
  clients: TestClient[];
  /** JWT (the default) or opaque access tokens, which only introspection can check. */
  format?: "jwt" | "opaque";
  /** Signing keys, newest (the one that signs) first; fresh ones when omitted. */
  keys?: JWK[];
  /** Serve on this port (to stand in for the same issuer); a free one when omitted. */
  port?: number;
  ttlS?: number;
}

export interface AuthServer {
  issuer: string;
  keys: JWK[];
  /** The client_credentials grant, as any client would send it. */
  token(client: TestClient, opts?: { resource?: string; scope?: string }): Promise<string>;
  /** RFC 7009 revocation by the client that holds the token. */
  revoke(client: TestClient, token: string): Promise<void>;
  /** Replaces the provider behind the same issuer, e.g. with new signing keys. */
  reconfigure(opts: Partial<AuthServerOptions>): Promise<void>;
  /** Requests seen, by path, to tell whether the JWKS was downloaded again. */
  hits: string[];
  close(): Promise<void>;
}

/** Client credentials that an OAuth client would hold; made at run time, never written in the repository. */
export const testClient = (id: string, scopes: string, groups?: string[]): TestClient => ({
  id,
  secret: randomBytes(24).toString("base64url"),
  scopes,
  groups,
});

export async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(6).toString("hex"), alg: "ES256", use: "sig" };
}

function providerFor(issuer: string, opts: AuthServerOptions & { keys: JWK[] }): Provider {
  const byId = new Map(opts.clients.map((c) => [c.id, c]));
  return new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      id_token_signed_response_alg: "ES256",
    })),
    jwks: { keys: opts.keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => opts.resources[0]!,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (!opts.resources.includes(resource)) throw new errors.InvalidTarget();
          return {
            scope: byId.get(client.clientId)?.scopes ?? "",
            audience: resource,
            accessTokenTTL: opts.ttlS ?? 600,
            accessTokenFormat: opts.format ?? "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const groups = byId.get(token.clientId ?? "")?.groups;
      return groups ? { groups } : undefined;
    },
  });
}

/** A real OAuth 2.0 authorization server (oidc-provider) on a free loopback port. */
export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  let current = { ...options, keys: options.keys ?? [await signingKey()] };
  let handler: ReturnType<Provider["callback"]> | undefined;
  const hits: string[] = [];
  const http: Server = createServer((req, res) => {
    hits.push((req.url ?? "").split("?")[0]!);
    handler!(req, res);
  });
  await new Promise<void>((resolve) => http.listen(options.port ?? 0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  handler = providerFor(issuer, current).callback();

  const basic = (c: TestClient) => `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}`;
  const form = async (path: string, client: TestClient, params: Record<string, string>) =>
    fetch(`${issuer}${path}`, {
      method: "POST",
      headers: { Authorization: basic(client), "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
    });

  return {
    issuer,
    get keys() {
      return current.keys;
    },
    hits,
    async token(client, opts = {}) {
      const params: Record<string, string> = {
        grant_type: "client_credentials",
        scope: opts.scope ?? client.scopes,
      };
      if (opts.resource) params.resource = opts.resource;
      const res = await form("/token", client, params);
      const body = (await res.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!body.access_token)
        throw new Error(`token request failed: ${body.error}: ${body.error_description}`);
      return body.access_token;
    },
    async revoke(client, token) {
      const res = await form("/token/revocation", client, { token, token_type_hint: "access_token" });
      if (!res.ok) throw new Error(`revocation failed: HTTP ${res.status}`);
    },
    async reconfigure(opts) {
      current = { ...current, ...opts };
      handler = providerFor(issuer, current).callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
