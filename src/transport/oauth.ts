import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AgentPolicy } from "../policy/agent-policy.js";
import type { AccessControl } from "../server.js";
import type { AccessClass } from "../tools/types.js";
import type { AgentIdentity } from "./http-mcp.js";
import { matchAgent, SCOPE_FOR_CLASS } from "./oauth-agents.js";
import {
  bearerChallenge,
  metadataUrlFor,
  protectedResourceMetadata,
  serveMetadata,
} from "./oauth-metadata.js";
import { createTokenValidator, type TokenValidator, type TokenValidatorOptions } from "./oauth-tokens.js";

/** Who a token speaks for, as the audit records it. */
export interface TokenSubject {
  iss: string;
  sub: string;
  client_id?: string;
}

/** A request the HTTP layer refuses; `headers` carry the RFC 6750 challenge. */
export interface AuthRefusal {
  refused: true;
  status: number;
  message: string;
  headers: Record<string, string>;
}

export interface OAuthResourceServerOptions {
  issuer: string;
  /** The MCP endpoint's public URL (the RFC 8707 resource); the listening URL when omitted. */
  resource?: string;
  /** Expected `aud`; default: the resource. */
  audience?: string;
  /** Agents of the policy file with an `oauth:` mapping. */
  agents: readonly AgentPolicy[];
  /** The gate for one caller: the agent's policy with access already capped by the token's scopes. */
  toAccess(policy: AgentPolicy, subject: TokenSubject): AccessControl;
  /** Which access class a tool needs, to answer a call the token's scopes do not cover with 403. */
  toolAccess(name: string): AccessClass | undefined;
  logger: Logger;
  /** Token checks; built from the options below when omitted. */
  validator?: TokenValidator;
  validation?: Omit<TokenValidatorOptions, "issuer" | "audience">;
}

export interface OAuthResourceServer {
  readonly issuer: string;
  /** Learns the endpoint's URL once the server listens (used when no resource was configured). */
  listening(mcpUrl: string): void;
  /** Serves the Protected Resource Metadata paths; false for any other path. */
  serveMetadata(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** The caller a bearer token speaks for, or why not; `token` undefined: no credentials were sent. */
  authenticate(token: string | undefined, hint: string): Promise<AgentIdentity | AuthRefusal>;
}

const refusal = (status: number, message: string, headers: Record<string, string>): AuthRefusal => ({
  refused: true,
  status,
  message,
  headers,
});

const toolCallsIn = (body: unknown): string[] =>
  (Array.isArray(body) ? body : [body]).flatMap((m) => {
    const msg = m as { method?: unknown; params?: { name?: unknown } } | null;
    return msg?.method === "tools/call" && typeof msg.params?.name === "string" ? [msg.params.name] : [];
  });

/** The HTTP server as an OAuth 2.1 resource server: token checks, metadata, challenges. */
export function createOAuthResourceServer(opts: OAuthResourceServerOptions): OAuthResourceServer {
  const { issuer, logger } = opts;
  let resource = opts.resource;
  let validator = opts.validator;
  const resourceOf = () => {
    if (!resource) throw new Error("OAuth resource server used before its URL is known");
    return resource;
  };

  function ensureValidator(): TokenValidator {
    validator ??= createTokenValidator({
      ...opts.validation,
      issuer,
      audience: opts.audience ?? resourceOf(),
    });
    return validator;
  }

  const challenge = (p: Omit<Parameters<typeof bearerChallenge>[0], "resourceMetadata">) => ({
    "WWW-Authenticate": bearerChallenge({ ...p, resourceMetadata: metadataUrlFor(resourceOf()) }),
  });

  function scopeRefusal(scope: string, message: string): AuthRefusal {
    return refusal(
      403,
      message,
      challenge({ error: "insufficient_scope", scope, description: `this call needs scope ${scope}` }),
    );
  }

  return {
    issuer,
    listening(mcpUrl) {
      resource ??= mcpUrl;
      void ensureValidator()
        .discover()
        .then(
          () => logger.info({ issuer, resource }, "OAuth: authorization server metadata loaded"),
          (error: unknown) =>
            logger.warn(
              { issuer, err: error instanceof Error ? error.message : String(error) },
              "OAuth: authorization server metadata not loaded yet; retried on the first token",
            ),
        );
    },
    serveMetadata(req, res, path) {
      if (!resource) return false;
      const resourcePath = new URL(resource).pathname.replace(/\/$/, "");
      return serveMetadata(
        req,
        res,
        path,
        () => protectedResourceMetadata(resourceOf(), issuer),
        resourcePath,
      );
    },
    async authenticate(token, hint) {
      if (token === undefined) return refusal(401, hint, challenge({}));
      const checked = await ensureValidator().validate(token);
      if ("rejected" in checked) {
        if (checked.kind === "unavailable") {
          logger.error({ issuer, reason: checked.description }, "OAuth: token could not be checked");
          return refusal(503, `Service unavailable: ${checked.description}; retry shortly`, {
            "Retry-After": "5",
          });
        }
        logger.warn({ reason: checked.description }, "request refused: access token not accepted");
        return refusal(
          401,
          `Unauthorized: ${checked.description}`,
          challenge({ error: "invalid_token", description: checked.description }),
        );
      }
      const found = matchAgent(opts.agents, checked);
      if (!found.ok) {
        logger.warn({ iss: checked.iss, sub: checked.sub, client_id: checked.client_id }, found.message);
        return found.scope ? scopeRefusal(found.scope, found.message) : refusal(403, found.message, {});
      }
      const { policy, classes } = found;
      const subject: TokenSubject = { iss: checked.iss, sub: checked.sub };
      if (checked.client_id) subject.client_id = checked.client_id;
      return {
        agent: policy.name,
        access: opts.toAccess({ ...policy, access: classes }, subject),
        // A session stays with the caller and the scopes it was opened with.
        owner: JSON.stringify([checked.sub, checked.client_id ?? "", classes]),
        screen(body) {
          for (const name of toolCallsIn(body)) {
            const needed = opts.toolAccess(name);
            // Only a scope would help here: what the policy itself forbids, the gate explains as for keys.
            if (!needed || classes.includes(needed) || !policy.access.includes(needed)) continue;
            const scope = SCOPE_FOR_CLASS[needed];
            return scopeRefusal(
              scope,
              `Forbidden: ${name} needs scope ${scope}, which this token does not carry`,
            );
          }
          return undefined;
        },
      };
    },
  };
}
