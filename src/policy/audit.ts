import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { ToolArgs, ToolDef } from "../tools/types.js";
import { checkWritableFile } from "./audit-path.js";
import { scrubText } from "./scrub.js";
import { REDACTED } from "./secrets.js";

export type AuditDecision =
  | "allow"
  | "deny"
  | "invalid"
  | "confirm-accepted"
  | "confirm-declined"
  | "confirm-accepted-by-client"
  | "confirm-declined-by-client"
  | "confirm-unavailable"
  | "confirmed-by-echo"
  | "confirm-echo-requested"
  | "confirm-echo-mismatch"
  | "audit-failed"
  | "read-state"
  | "error";

export interface AuditEntry {
  /**
   * `tool_call` before anything is sent (and for refusals); `tool_result` once the outcome is known;
   * `approval_requested` / `approval_decided` for a call that waits for a human approver.
   */
  event?: "tool_call" | "tool_result" | "state_read" | "approval_requested" | "approval_decided";
  /** Joins the two lines of one allowed call. */
  callId?: string;
  agent: string;
  /** The OAuth caller the agent acted for (issuer and subject); absent for agent keys. */
  subject?: AuditSubject;
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
  /** Links the lines of a call that waited for approval: the request, the decision, the approved call. */
  approvalId?: string;
  /** The approver who decided. */
  approver?: string;
  /** When a pending approval lapses (ISO time). */
  expiresAt?: string;
}

export interface AuditSubject {
  iss: string;
  sub: string;
  client_id?: string;
}

export interface AuditLog {
  /**
   * Writes one line before returning; throws {@link AuditWriteError} when it could not be written,
   * so the caller can refuse to act. `tool` adds its `sensitive` fields to the redaction.
   */
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
  /** The system call that writes to a file or stderr (tests inject one that fails part-way). */
  writeSync?: (fd: number, buffer: Buffer) => number;
}

/** The audit line could not be written; the call it describes must not go ahead. */
export class AuditWriteError extends Error {
  override readonly name = "AuditWriteError";
}

/** Bounds of an audit line: deeper values and longer strings are cut, so writing never throws. */
export const AUDIT_LIMITS = { depth: 12, string: 2048, entries: 200 } as const;

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

/** Replaces Fly tokens and the given exact secrets inside one string. */
export const scrubString = scrubText;

const fieldName = (entry: string): string => entry.split(".").pop()!.replace(/\[\]$/, "").toLowerCase();

// Scrubbed before it is cut, so a cut never leaves the head of a token behind.
function boundedString(text: string, secrets: readonly string[]): string {
  const clean = scrubText(text, secrets);
  if (clean.length <= AUDIT_LIMITS.string) return clean;
  return `${clean.slice(0, AUDIT_LIMITS.string)}...[${clean.length - AUDIT_LIMITS.string} more chars]`;
}

/**
 * Copy of tool arguments safe to log: values of secret fields (the tool's `sensitive` list plus
 * `value`, `stdin`, `raw_value` (also inside `files[]`), `private_key`, `fullchain`, `plaintext`,
 * `password`) become "[redacted]" at any depth, `values` and `env` maps keep only their keys, and
 * any string that looks like a Fly token or equals one of `extraSecrets` is replaced. Nesting past
 * {@link AUDIT_LIMITS}.depth, long strings and long lists are cut, so this never overflows.
 */
export function redactArgs(
  tool: Pick<ToolDef, "sensitive"> | undefined,
  args: ToolArgs,
  extraSecrets: readonly string[] = [],
): ToolArgs {
  const sensitive = new Set([...SECRET_FIELDS, ...(tool?.sensitive ?? []).map(fieldName)]);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return boundedString(v, extraSecrets);
    if (v === null || typeof v !== "object") return typeof v === "bigint" ? String(v) : v;
    if (depth >= AUDIT_LIMITS.depth) return "[too deep]";
    if (Array.isArray(v)) {
      const kept = v.slice(0, AUDIT_LIMITS.entries).map((item) => walk(item, depth + 1));
      if (v.length > AUDIT_LIMITS.entries) kept.push(`[${v.length - AUDIT_LIMITS.entries} more items]`);
      return kept;
    }
    const out: Record<string, unknown> = {};
    const entries = Object.entries(v as Record<string, unknown>);
    for (const [key, val] of entries.slice(0, AUDIT_LIMITS.entries)) {
      const lower = key.toLowerCase();
      const safeKey = boundedString(key, extraSecrets);
      if (val === undefined || val === null) out[safeKey] = val;
      else if (SECRET_MAPS.has(lower) && typeof val === "object" && !Array.isArray(val)) {
        out[safeKey] = Object.fromEntries(
          Object.keys(val)
            .slice(0, AUDIT_LIMITS.entries)
            .map((k) => [boundedString(k, extraSecrets), REDACTED]),
        );
      } else if (sensitive.has(lower) || SECRET_MAPS.has(lower)) out[safeKey] = REDACTED;
      else out[safeKey] = walk(val, depth + 1);
    }
    if (entries.length > AUDIT_LIMITS.entries)
      out["[more]"] = `${entries.length - AUDIT_LIMITS.entries} more fields`;
    return out;
  };
  return walk(args, 0) as ToolArgs;
}

/** One audit line as JSON text; never throws, whatever the entry holds. */
export function auditLine(
  entry: AuditEntry,
  tool: Pick<ToolDef, "sensitive"> | undefined,
  secrets: readonly string[] = [],
  now: () => Date = () => new Date(),
): string {
  const out: Record<string, unknown> = {
    level: "info",
    time: now().toISOString(),
    event: entry.event ?? "tool_call",
  };
  for (const [key, val] of Object.entries(entry)) {
    if (val === undefined || key === "event") continue;
    if (key === "args") out.args = redactArgs(tool, val as ToolArgs, secrets);
    else out[key] = typeof val === "string" ? boundedString(val, secrets) : val;
  }
  // Scrubbed again as a whole: a token could only show up here through a value above.
  return `${scrubText(JSON.stringify(out), secrets)}\n`;
}

type Write = NonNullable<AuditLogOptions["writeSync"]>;

/**
 * Writes a whole buffer to a descriptor, waiting briefly when a pipe is full. Returns nothing; when
 * it throws, `progress.written` says how many bytes got out before the failure.
 */
function writeAllSync(fd: number, text: string, write: Write, progress: { written: number }): void {
  let buffer = Buffer.from(text, "utf8");
  let busy = 0;
  while (buffer.length > 0) {
    try {
      const n = write(fd, buffer);
      progress.written += n;
      buffer = buffer.subarray(n);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "EAGAIN" && code !== "EBUSY") || ++busy > 1000) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

interface Sink {
  write(line: string): void;
  close(): Promise<void>;
}

function fileSink(fd: number, owned: boolean, write: Write): Sink {
  // A write that failed part-way left the head of a line behind: the next line starts on a new line,
  // so a reader loses only the line of the call that was refused, never the one after it.
  let midLine = false;
  return {
    write(line) {
      const progress = { written: 0 };
      try {
        writeAllSync(fd, midLine ? `\n${line}` : line, write, progress);
        midLine = false;
      } catch (error) {
        if (progress.written > 0) midLine = true;
        throw error;
      }
    },
    // Called at most once: the log keeps the first close's promise.
    close: async () => {
      if (owned) closeSync(fd);
    },
  };
}

function streamSink(stream: NodeJS.WritableStream): Sink {
  let failure: Error | undefined;
  stream.on("error", (error: Error) => {
    failure = error;
  });
  return {
    write(line) {
      const w = stream as NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };
      if (failure) throw failure;
      if (w.destroyed || w.writableEnded) throw new Error("the audit stream is closed");
      stream.write(line);
    },
    close: async () => {},
  };
}

/** Opens the audit destination; a bad path fails here, at start, not on the first call. */
function openSink(destination: AuditLogOptions["destination"], write: Write): Sink {
  if (destination === undefined) return fileSink(2, false, write);
  if (typeof destination !== "string") return streamSink(destination);
  checkWritableFile(destination, "--audit-log");
  try {
    mkdirSync(dirname(destination), { recursive: true });
    return fileSink(openSync(destination, "a"), true, write);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new Error(
      `--audit-log ${destination}: cannot be opened for writing (${code}); give a writable file path`,
    );
  }
}

/**
 * Audit log: one JSON line per event, written synchronously to a file, a stream, or stderr, so a
 * line is on its way before the call it records goes ahead, and a failed write is known at once.
 */
export function createAuditLog(options: AuditLogOptions = {}): AuditLog {
  const secrets = (options.secrets ?? []).filter((s) => s.trim().length >= 8);
  let reported = false;
  const onError =
    options.onError ??
    ((error: Error) => {
      if (reported) return;
      reported = true;
      process.stderr.write(`audit log: write failed: ${scrubText(error.message, secrets)}\n`);
    });
  const sink = openSink(options.destination, options.writeSync ?? writeSync);

  let closed = false;
  let closing: Promise<void> | undefined;
  return {
    record(entry, tool) {
      if (closed) throw new AuditWriteError("the audit log is closed");
      try {
        sink.write(auditLine(entry, tool, secrets));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        onError(failure);
        throw new AuditWriteError(
          `the audit log could not be written: ${scrubText(failure.message, secrets)}`,
        );
      }
    },
    close() {
      closed = true;
      closing ??= sink.close();
      return closing;
    },
  };
}
