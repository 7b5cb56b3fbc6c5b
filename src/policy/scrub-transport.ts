import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import { scrubJson } from "./scrub.js";

const UNSENDABLE = Symbol("unsendable");

/**
 * Makes every message the server sends on `transport` (results, errors, progress, elicitations)
 * pass the outbound scrubber. A message that cannot be serialised is replaced by an error reply.
 * `minted` holds token-shaped strings this server's agent asked Fly to mint: each passes once, in
 * the first message that carries it, and is forgotten then.
 */
export function scrubOutgoing(transport: Transport, minted?: Set<string>): Transport {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    const keep = minted && minted.size > 0 ? new Set(minted) : undefined;
    const clean = scrubJson(message, UNSENDABLE, keep);
    if (keep) {
      const text = JSON.stringify(clean) ?? "";
      for (const token of keep) if (text.includes(token)) minted!.delete(token);
    }
    if (clean !== (UNSENDABLE as unknown)) return send(clean, options);
    const id = (message as { id?: string | number }).id;
    if (id === undefined) return Promise.resolve();
    const error: JSONRPCMessage = {
      jsonrpc: "2.0",
      id,
      error: {
        code: -32603,
        message: "The reply could not be serialised (nested too deep); nothing more is known.",
      },
    };
    return send(error, options);
  };
  return transport;
}
