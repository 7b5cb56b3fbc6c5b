import type { FlyRequest, QueryValue } from "../fly/client.js";
import type { ToolArgs, ToolDef } from "./types.js";

/** Thrown before the request is sent when the call must not go ahead; the message goes to the agent. */
export class RefusedCall extends Error {
  override name = "RefusedCall";
  /** What the audit log records as the outcome. */
  readonly status: string;

  constructor(message: string, status = "refused") {
    super(message);
    this.status = status;
  }
}

/** Thrown before anything is sent when an argument cannot go into a URL path. */
export class PathArgumentError extends RefusedCall {
  override name = "PathArgumentError";

  constructor(message: string) {
    super(message, "invalid_input");
  }
}

// Second line of defence behind the zod patterns: nothing that could climb or split a path.
// `:` (IPv6 addresses) and `*` (wildcard hostnames) are legal in a path segment as they are.
const SAFE_SEGMENT = /^[A-Za-z0-9_:*-][A-Za-z0-9_.:*-]*$/;

export function pathSegment(field: string, value: unknown): string {
  const text = typeof value === "string" ? value : "";
  if (!text || !SAFE_SEGMENT.test(text) || text.includes("..")) {
    throw new PathArgumentError(
      `${field}: ${JSON.stringify(value)} cannot be used in a URL path; give the plain name, id or address (letters, digits, - and _)`,
    );
  }
  // `*` (a wildcard hostname) goes as `%2A`, as fly-go's url.PathEscape sends it; `:` stays as it is
  // (Fly sees `fdaa::2`, and PathEscape keeps it too). Everything else admitted is unreserved.
  return text.replaceAll("*", "%2A");
}

export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

export function fillPath(template: string, args: ToolArgs): string {
  return template.replace(/\{(\w+)\}/g, (_, field: string) => pathSegment(field, args[field]));
}

function toQueryValue(value: unknown): QueryValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/** Maps validated tool arguments onto the HTTP request the entry declares. */
export function buildRequest(tool: ToolDef, args: ToolArgs): FlyRequest {
  const query: Record<string, QueryValue | undefined> = {};
  for (const field of tool.query ?? []) {
    if (field.endsWith(".*")) {
      const name = field.slice(0, -2);
      const map = (args[name] ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(map)) query[`${name}.${key}`] = toQueryValue(value);
    } else {
      query[field] = toQueryValue(args[field]);
    }
  }
  const headers: Record<string, string> = {};
  for (const [field, header] of Object.entries(tool.headers ?? {})) {
    if (typeof args[field] === "string") headers[header] = args[field];
  }
  let body: Record<string, unknown> | undefined;
  if (tool.body) {
    body = {};
    for (const field of tool.body) if (args[field] !== undefined) body[field] = args[field];
  }
  const app = args[tool.appArg ?? "app_name"];
  return {
    method: tool.method,
    path: fillPath(tool.path, args),
    query,
    headers,
    body,
    action: tool.name,
    app: typeof app === "string" ? app : undefined,
    timeoutMs: tool.timeoutMs?.(args),
    maxBodyBytes: tool.maxResponseBytes,
  };
}
