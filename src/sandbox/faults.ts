import type { FaultKind, ResolvedOptions } from "./options.js";
import { createPrng } from "./prng.js";

/**
 * Picks which responses fail. The draw happens before the request touches any state, so a 5xx,
 * reset or malformed answer means nothing changed; `slow` delays and then answers normally; `408`
 * lets a write take effect and then answers 408, the ambiguous case a client must not repeat.
 */
export class FaultInjector {
  private random: () => number;

  constructor(private readonly config: ResolvedOptions["faults"]) {
    this.random = createPrng(config.seed);
  }

  next(): FaultKind | undefined {
    if (this.config.share <= 0) return undefined;
    if (this.random() >= this.config.share) return undefined;
    const kinds = this.config.kinds;
    return kinds[Math.floor(this.random() * kinds.length)] ?? kinds[0];
  }

  get slowMs(): number {
    return this.config.slowMs;
  }

  reset(): void {
    this.random = createPrng(this.config.seed);
  }
}

export const unavailable = (): Response =>
  Response.json({ error: "service unavailable: the sandbox injected a fault, try again" }, { status: 503 });

/** Fly gave up waiting: what the request did is unknown to the caller. */
export const requestTimeout = (): Response => Response.json({ error: "request timed out" }, { status: 408 });

/** A 200 whose JSON body is cut short. */
export const malformed = (): Response =>
  new Response('{"truncated', { status: 200, headers: { "content-type": "application/json" } });
