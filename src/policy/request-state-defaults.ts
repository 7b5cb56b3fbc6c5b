import { randomBytes } from "node:crypto";
import type { ServerContext } from "@modelcontextprotocol/server";
import { type KeyValueStore, memoryStore } from "../state/store.js";

let defaults: { key: Buffer; store: KeyValueStore } | undefined;

/**
 * One signing key and one store per process, shared by all its servers (one per agent, or per
 * HTTP request): a confirmation asked by one request is answered by another.
 */
export function processConfirmDefaults(): { key: Buffer; store: KeyValueStore } {
  defaults ??= { key: randomBytes(32), store: memoryStore() };
  return defaults;
}

const PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
const CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";

/** A 2026-07-28 request (it carries the per-request envelope), and whether it can be asked a form. */
export function modernRequest(ctx: ServerContext): { canElicit: boolean } | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  if (envelope?.[PROTOCOL_VERSION] === undefined) return undefined;
  const caps = envelope[CLIENT_CAPABILITIES] as { elicitation?: Record<string, unknown> } | undefined;
  const elicitation = caps?.elicitation;
  // An empty object means form, as in the 2025 capability.
  const canElicit =
    elicitation !== undefined && (elicitation.form !== undefined || Object.keys(elicitation).length === 0);
  return { canElicit };
}
