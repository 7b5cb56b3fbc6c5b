import { registerSecret } from "../policy/scrub.js";

/** The URL's password becomes a secret for the scrubber, so no output repeats it. */
export function registerRedisUrl(raw: string | undefined): void {
  if (!raw?.trim()) return;
  // The last @ before the host ends the password, as the URL parser (and the client) read it.
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^/]+)@[^@/]*(?:[/?#]|$)/i.exec(raw.trim())?.[1];
  if (password) {
    registerSecret(password);
    try {
      registerSecret(decodeURIComponent(password));
    } catch {
      // Not percent-encoded: registered as written.
    }
  }
}

/** `--redis-url X` or `--redis-url=X` from the raw arguments, before commander parses (and may echo) them. */
export function redisUrlFlag(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--redis-url") return argv[i + 1];
    if (arg.startsWith("--redis-url=")) return arg.slice("--redis-url=".length);
  }
  return undefined;
}
