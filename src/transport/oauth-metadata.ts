import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, sendRpcError } from "./http-reply.js";
import { SCOPES_SUPPORTED } from "./oauth-agents.js";

export const PRM_PATH = "/.well-known/oauth-protected-resource";

/** RFC 9728 section 3.1: the well-known segment goes before the resource's path. */
export function metadataUrlFor(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return `${url.origin}${PRM_PATH}${path}`;
}

/** The Protected Resource Metadata document (RFC 9728 section 2). */
export function protectedResourceMetadata(resource: string, issuer: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: SCOPES_SUPPORTED,
    bearer_methods_supported: ["header"],
    resource_name: "fly-machines-mcp",
  };
}

/** A quoted-string parameter value: no quote or backslash can end it early. */
const quoted = (value: string) => `"${value.replace(/["\\]/g, "'")}"`;

/** `WWW-Authenticate: Bearer ...` as RFC 6750 section 3 and the MCP authorization spec write it. */
export function bearerChallenge(params: {
  resourceMetadata: string;
  error?: "invalid_token" | "insufficient_scope";
  description?: string;
  scope?: string;
}): string {
  const parts: string[] = [];
  if (params.error) parts.push(`error=${quoted(params.error)}`);
  if (params.scope) parts.push(`scope=${quoted(params.scope)}`);
  parts.push(`resource_metadata=${quoted(params.resourceMetadata)}`);
  if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  return `Bearer ${parts.join(", ")}`;
}

/** Answers the metadata paths; the document is public, so any origin may read it. */
export function serveMetadata(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  doc: () => Record<string, unknown>,
  resourcePath: string,
): boolean {
  if (path !== PRM_PATH && path !== `${PRM_PATH}${resourcePath}`) return false;
  const cors = { "Access-Control-Allow-Origin": "*" };
  if (req.method === "OPTIONS") {
    res.writeHead(204, {
      ...cors,
      "Access-Control-Allow-Methods": "GET",
      "Access-Control-Allow-Headers": "*",
    });
    res.end();
  } else if (req.method === "GET" || req.method === "HEAD") {
    sendJson(res, 200, doc(), { ...cors, "Cache-Control": "public, max-age=3600" });
  } else {
    sendRpcError(res, 405, -32000, "Method not allowed", { Allow: "GET, HEAD, OPTIONS" });
  }
  return true;
}
