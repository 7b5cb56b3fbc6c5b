import type { ToolArgs, ToolContext } from "./types.js";

/**
 * Signals that end a process without the shutdown its own handler would run: SIGKILL cannot be
 * caught, the others make it crash. SIGTERM, SIGINT, SIGQUIT, SIGHUP and the rest are requests a
 * process may handle (nginx stops gracefully on SIGQUIT), so they are not in this set.
 */
export const KILLING_SIGNALS: ReadonlySet<string> = new Set([
  "SIGKILL",
  "SIGABRT",
  "SIGSEGV",
  "SIGILL",
  "SIGFPE",
  "SIGTRAP",
]);

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * Nanoseconds of a Go duration such as "10s" or "500ms", truncated as Go's ParseDuration does
 * (floating point would round "0.99999999999999999s" up to a whole second); undefined otherwise.
 */
function durationNs(value: unknown): bigint | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)$/.exec(value);
  if (!match) return undefined;
  const unit = UNIT_NS[match[3]!]!;
  const fraction = match[2] ?? "";
  return (
    BigInt(match[1]!) * unit + (fraction ? (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length) : 0n)
  );
}

/**
 * Whether a stop, restart or signal kills at once: a killing signal, or a grace period under one
 * second (Fly sends SIGKILL when the timeout runs out, and no process shuts down cleanly that fast).
 */
export function killsAtOnce(args: ToolArgs): boolean {
  if (typeof args.signal === "string" && KILLING_SIGNALS.has(args.signal)) return true;
  const timeout = durationNs(args.timeout);
  return timeout !== undefined && timeout < 1_000_000_000n;
}

/** Metadata keys a bulk update removes (an empty value removes a key; metadata keeps no history). */
export function removedMetadataKeys(args: ToolArgs): string[] {
  const metadata = (args.metadata ?? {}) as Record<string, unknown>;
  return Object.entries(metadata)
    .filter(([, value]) => value === "")
    .map(([key]) => `metadata key ${key}`);
}

/** The open sessions a password rotation ends when asked to. */
export const endedSessions = (args: ToolArgs): string[] =>
  args.kill_sessions === true ? [`the open sessions of user ${String(args.username)} (kill_sessions)`] : [];

const read = async (ctx: ToolContext, path: string, action: string, app: unknown): Promise<unknown> =>
  (await ctx.fly.request({ method: "GET", path, action, app: String(app), signal: ctx.signal })).data;

/** A stop of a machine whose config has auto_destroy destroys it: Fly removes it once stopped. */
export async function destroyedByStop(args: ToolArgs, ctx: ToolContext): Promise<string[]> {
  const machine = (await read(
    ctx,
    `/apps/${args.app_name}/machines/${args.machine_id}`,
    "machines_get",
    args.app_name,
  )) as { config?: { auto_destroy?: unknown } } | undefined;
  return machine?.config?.auto_destroy === true
    ? [`machine ${String(args.machine_id)} itself (its config has auto_destroy, so the stop destroys it)`]
    : [];
}

/** A signal the process does not handle ends it, and an auto_destroy machine whose process ends is destroyed. */
export async function destroyedBySignal(args: ToolArgs, ctx: ToolContext): Promise<string[]> {
  const lost = await destroyedByStop(args, ctx);
  return lost.length === 0
    ? []
    : [
        `machine ${String(args.machine_id)} itself (its config has auto_destroy: if the signal ends its main process, the machine is destroyed)`,
      ];
}

/** Metadata values a write replaces or removes: metadata keeps no history, so the old values are gone. */
export async function lostMetadata(args: ToolArgs, ctx: ToolContext): Promise<string[]> {
  const removed = removedMetadataKeys(args);
  const writes: Array<[string, unknown]> = args.metadata
    ? Object.entries(args.metadata as Record<string, unknown>).filter(([, value]) => value !== "")
    : [[String(args.key), args.value]];
  const path = `/apps/${args.app_name}/machines/${args.machine_id}/metadata`;
  const current = (await read(ctx, path, "machines_metadata_get", args.app_name)) as
    | Record<string, unknown>
    | undefined;
  const replaced = writes
    .filter(([key, value]) => typeof current?.[key] === "string" && current[key] !== value)
    .map(([key]) => `the current value of metadata key ${key}`);
  return [...removed, ...replaced];
}

/** Names of the app's secrets a set would overwrite: their current values are gone for good. */
async function overwrittenSecrets(
  args: ToolArgs,
  ctx: ToolContext,
  names: readonly string[],
): Promise<string[]> {
  const listing = (await read(ctx, `/apps/${args.app_name}/secrets`, "secrets_list", args.app_name)) as
    | { secrets?: Array<{ name?: unknown }> }
    | undefined;
  const existing = new Set((listing?.secrets ?? []).map((s) => s.name));
  return names.filter((name) => existing.has(name)).map((name) => `the current value of secret ${name}`);
}

export const overwrittenByBulkSet = (args: ToolArgs, ctx: ToolContext): Promise<string[]> =>
  overwrittenSecrets(args, ctx, Object.keys((args.values ?? {}) as Record<string, unknown>));

export const overwrittenBySet = (args: ToolArgs, ctx: ToolContext): Promise<string[]> =>
  overwrittenSecrets(args, ctx, [String(args.secret_name)]);
