import { badRequest } from "./errors.js";
import type { AppRecord, SecretRecord } from "./state.js";

/**
 * Fly's secrets are versioned and eventually consistent: a write returns a new version at once, but
 * a machine booted a moment later may still get the previous values, unless its create/update asks
 * for `min_secrets_version`. Each write keeps a snapshot with the time machines start to see it.
 */
export function writeSecrets(app: AppRecord, consistencyMs: number, change: () => void): void {
  const now = Date.now();
  if (!app.secretsLog?.length)
    app.secretsLog = [{ version: app.secretsVersion, visibleAt: 0, secrets: new Map(app.secrets) }];
  change();
  app.secretsVersion++;
  app.secretsLog.push({
    version: app.secretsVersion,
    visibleAt: now + consistencyMs,
    secrets: new Map(app.secrets),
  });
  // Snapshots older than the newest visible one can never be handed out again.
  const visible = app.secretsLog.findLastIndex((s) => s.visibleAt <= now);
  if (visible > 0) app.secretsLog.splice(0, visible);
}

/** The secrets a machine created or updated now boots with. */
export function secretsForBoot(app: AppRecord, minVersion: number | undefined): Map<string, SecretRecord> {
  if (minVersion !== undefined && minVersion > app.secretsVersion) {
    throw badRequest(
      `min_secrets_version ${minVersion} is newer than the app's secrets (version ${app.secretsVersion})`,
    );
  }
  const log = app.secretsLog;
  if (minVersion !== undefined || !log?.length) return new Map(app.secrets);
  const now = Date.now();
  const seen = log.findLast((s) => s.visibleAt <= now) ?? log[0]!;
  return new Map(seen.secrets);
}
