/**
 * The newest secrets version each app's writes returned. Fly's secrets are eventually consistent:
 * a machine created or updated right after a write may boot with the old values unless the request
 * names the version it needs (`min_secrets_version`), as flyctl does after every write.
 */
export interface SecretsVersions {
  get(app: string): Promise<number | undefined>;
  /** Keeps the highest version seen; an older answer arriving late never lowers it. */
  set(app: string, version: number): Promise<void>;
  /** The app was deleted or made anew: a version from its past must not be asked of it. */
  forget(app: string): Promise<void>;
}

/** In-process store, shared by every session of one server process. */
export function memorySecretsVersions(): SecretsVersions {
  const versions = new Map<string, number>();
  return {
    async get(app) {
      return versions.get(app);
    },
    async set(app, version) {
      if (!Number.isSafeInteger(version) || version < 0) return;
      if (version > (versions.get(app) ?? -1)) versions.set(app, version);
    },
    async forget(app) {
      versions.delete(app);
    },
  };
}

/** The version a secrets write answered with (`version`; older answers only carry `Version`). */
export function versionOf(data: unknown): number | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const body = data as { version?: unknown; Version?: unknown };
  const version = body.version ?? body.Version;
  return typeof version === "number" && Number.isSafeInteger(version) ? version : undefined;
}

interface VersionContext {
  secretsVersions?: SecretsVersions;
}

/** After a secrets write: remember the version it created for the app. */
export async function rememberSecretsVersion(
  res: { data?: unknown },
  args: Record<string, unknown>,
  ctx: VersionContext,
): Promise<void> {
  const version = versionOf(res.data);
  if (version !== undefined && typeof args.app_name === "string")
    await ctx.secretsVersions?.set(args.app_name, version);
}

/** Before a machine write: ask for the remembered version unless the caller named one. */
export async function withMinSecretsVersion<T extends Record<string, unknown>>(
  args: T,
  ctx: VersionContext,
): Promise<T> {
  if (args.min_secrets_version !== undefined || typeof args.app_name !== "string") return args;
  const version = await ctx.secretsVersions?.get(args.app_name);
  return version === undefined ? args : { ...args, min_secrets_version: version };
}
