/** `408` answers a write with 408 after it took effect, as Fly may; reads answer normally. */
export type FaultKind = "5xx" | "slow" | "reset" | "malformed" | "408";

export interface SandboxOptions {
  /** Time each machine state transition takes, in ms; default 250. Tests use 0. */
  transitionMs?: number;
  /** Fly's published per-action rate limits; default true. */
  rateLimits?: boolean;
  /**
   * How long a write takes to be seen everywhere, in ms: a new app answers 404 and machines boot
   * with the previous secrets (unless they ask for min_secrets_version) for this long. Default:
   * transitionMs.
   */
  consistencyMs?: number;
  /** Share (0..1) of responses replaced by a fault, drawn from a seeded PRNG. */
  faults?: { share: number; kinds?: FaultKind[]; slowMs?: number; seed?: number };
  /** Seed app `demo-app` with two machines and a secret at start; default true. */
  seed?: boolean;
}

export interface ResolvedOptions {
  transitionMs: number;
  rateLimits: boolean;
  consistencyMs: number;
  faults: { share: number; kinds: FaultKind[]; slowMs: number; seed: number };
  seed: boolean;
}

// `408` only on demand: it changes state, unlike the others.
export const ALL_FAULT_KINDS: readonly FaultKind[] = ["5xx", "slow", "reset", "malformed"];

export function resolveOptions(opts: SandboxOptions = {}): ResolvedOptions {
  const kinds = opts.faults?.kinds?.length ? [...opts.faults.kinds] : [...ALL_FAULT_KINDS];
  const transitionMs = Math.max(0, opts.transitionMs ?? 250);
  return {
    transitionMs,
    rateLimits: opts.rateLimits ?? true,
    consistencyMs: Math.max(0, opts.consistencyMs ?? transitionMs),
    faults: {
      share: Math.min(1, Math.max(0, opts.faults?.share ?? 0)),
      kinds,
      slowMs: opts.faults?.slowMs ?? 2000,
      seed: opts.faults?.seed ?? 1,
    },
    seed: opts.seed ?? true,
  };
}
