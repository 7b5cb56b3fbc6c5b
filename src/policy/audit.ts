import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { type DestinationStream, type Logger, pino } from "pino";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import { REDACTED } from "./secrets.js";

export type AuditDecision =
  | "allow"
  | "deny"
  | "confirm-accepted"
  | "confirm-declined"
  | "confirm-accepted-by-client"
  | "confirm-declined-by-client"
  | "confirm-unavailable"
  | "error";

export interface AuditEntry {
  agent: string;
  tool: string;
  app?: string;
  /** Machine, volume or secret the call acted on. */
  resource?: string;
  decision: AuditDecision | (string & {});
  reason?: string;
  /** Fly's HTTP status, or the error kind when there was no response. */
  status?: number | string;
  durationMs?: number;
  requestId?: string;
  /** Raw arguments; they are redacted before writing. */
  args?: ToolArgs;
}

export interface AuditLog {
  /** Writes one line; `tool` adds its `sensitive` fields to the redaction. */
  record(entry: AuditEntry, tool?: Pick<ToolDef, "sensitive">): void;
  /** Flushes every pending line and closes the file. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  /** File path (appended to, parent folders created) or a stream; stderr when omitted. */
  destination?: string | NodeJS.WritableStream;
  /** Exact strings never to write, e.g. the Fly token the server runs with. */
  secrets?: readonly string[];
  /** Write errors (disk full); the default reports once on stderr. */
  onError?: (error: Error) => void;
}

/** Fields whose whole value is hidden, wherever they appear in the arguments. */
const SECRET_FIELDS = new Set([
  "value",
  "stdin",
  "raw_value",
  "private_key",
  "fullchain",
  "plaintext",
  "password",
]);

/** Maps whose keys are kept (they are names) and whose values are hidden. */
const SECRET_MAPS = new Set(["values", "env"]);

/** Fly macaroon tokens (`fm1r_`, `fm1a_`, `fm2_`, comma-joined) and Authorization header values. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bFlyV1\s+\S+/gi,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /\bfm\d[a-z]*_[A-Za-z0-9_+/=.,-]{8,}/g,
];

// Short strings would match too much ordinary text.
const MIN_SECRET_LENGTH = 8;

/** Replaces Fly tokens and the given exact secrets inside one string. */
export function scrubString(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    for (const variant of new Set([secret, secret.trim()])) {
      if (variant.length >= MIN_SECRET_LENGTH) out = out.split(variant).join(REDACTED);
    }
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

const fieldName = (entry: string): string => entry.split(".").pop()!.replace(/\[\]$/, "").toLowerCase();

/**
 * Copy of tool arguments safe to log: values of secret fields (the tool's `sensitive` list plus
 * `value`, `stdin`, `raw_value` (also inside `files[]`), `private_key`, `fullchain`, `plaintext`,
 * `password`) become "[redacted]" at any depth, `values` and `env` maps keep only their keys, and
 * any string that looks like a Fly token or equals one of `extraSecrets` is replaced.
 */
export function redactArgs(
  tool: Pick<ToolDef, "sensitive"> | undefined,
  args: ToolArgs,
  extraSecrets: readonly string[] = [],
): ToolArgs {
  const sensitive = new Set([...SECRET_FIELDS, ...(tool?.sensitive ?? []).map(fieldName)]);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return scrubString(v, extraSecrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(v as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      if (val === undefined || val === null) out[key] = val;
      else if (SECRET_MAPS.has(lower) && typeof val === "object" && !Array.isArray(val)) {
        out[key] = Object.fromEntries(Object.keys(val).map((k) => [k, REDACTED]));
      } else if (sensitive.has(lower) || SECRET_MAPS.has(lower)) out[key] = REDACTED;
      else out[key] = walk(val);
    }
    return out;
  };
  return walk(args) as ToolArgs;
}

function scrubEntry(
  entry: AuditEntry,
  tool: Pick<ToolDef, "sensitive"> | undefined,
  secrets: readonly string[],
) {
  const out: Record<string, unknown> = {};
  for (const [key, val] of Object.entries(entry)) {
    if (val === undefined) continue;
    if (key === "args") out.args = redactArgs(tool, val as ToolArgs, secrets);
    else out[key] = typeof val === "string" ? scrubString(val, secrets) : val;
  }
  return out;
}

interface Closable {
  end(): void;
  once(event: "close" | "error", listener: (...args: unknown[]) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  destroyed?: boolean;
}

/** Audit log over pino: one JSON line per event, to a file, a stream, or stderr. */
export function createAuditLog(options: AuditLogOptions = {}): AuditLog {
  const secrets = (options.secrets ?? []).filter((s) => s.trim().length >= MIN_SECRET_LENGTH);
  let reported = false;
  const onError =
    options.onError ??
    ((error: Error) => {
      if (reported) return;
      reported = true;
      process.stderr.write(`audit log: write failed: ${error.message}\n`);
    });

  let stream: DestinationStream;
  let owned: Closable | undefined;
  if (typeof options.destination === "string") {
    // Opened here so a bad path fails at startup, not on the first event.
    mkdirSync(dirname(options.destination), { recursive: true });
    const fd = openSync(options.destination, "a");
    try {
      const dest = pino.destination({ dest: fd, sync: false });
      owned = dest as unknown as Closable;
      stream = dest;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  } else if (options.destination) {
    stream = options.destination as unknown as DestinationStream;
  } else {
    const dest = pino.destination({ dest: 2, sync: false });
    owned = dest as unknown as Closable;
    stream = dest;
  }
  owned?.on("error", onError);

  const logger: Logger = pino(
    {
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );

  let closed = false;
  let closing: Promise<void> | undefined;
  return {
    record(entry, tool) {
      if (closed) return;
      logger.info({ event: "tool_call", ...scrubEntry(entry, tool, secrets) });
    },
    close() {
      closed = true;
      if (closing) return closing;
      const dest = owned;
      closing = new Promise<void>((resolve) => {
        if (!dest || dest.destroyed) return resolve();
        dest.once("close", () => resolve());
        dest.once("error", () => resolve());
        // end() waits for the pending async write, writes what is buffered, then closes the fd.
        dest.end();
      });
      return closing;
    },
  };
}
