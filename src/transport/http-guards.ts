import type { IncomingMessage } from "node:http";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);
const LOOPBACK_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const name = host.trim().toLowerCase();
  return LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name);
}

/** `example.com:8080` -> name and port; IPv6 literals keep their brackets. */
function splitHost(value: string): { name: string; port?: string } {
  const v = value.trim().toLowerCase();
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(v);
  if (!m) return { name: v };
  return { name: m[1]!, port: m[2] };
}

const normalizeOrigin = (o: string): string => o.trim().toLowerCase().replace(/\/+$/, "");

export interface HeaderGuardOptions {
  /** Bound to a loopback address: the local names are accepted too. */
  loopback: boolean;
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
}

const shown = (v: string): string => JSON.stringify(v.slice(0, 100));

/**
 * DNS-rebinding defence (MCP spec, Streamable HTTP "Security Warning"): a browser page on a
 * foreign site must not reach this server, so Host and Origin are checked on every MCP request.
 * Returns the reason for refusing, or undefined.
 */
export function createHeaderGuard(opts: HeaderGuardOptions): (req: IncomingMessage) => string | undefined {
  const hosts = (opts.allowedHosts ?? []).map(splitHost);
  const origins = new Set((opts.allowedOrigins ?? []).map(normalizeOrigin));
  // Off loopback with no list, the Host is whatever name the operator routes here; the bearer
  // key and the Origin check still stand between a browser and the tools.
  const anyHost = !opts.loopback && hosts.length === 0;

  const hostAllowed = (header: string): boolean => {
    const got = splitHost(header);
    if (opts.loopback && LOOPBACK_NAMES.has(got.name) && got.name !== "::1") return true;
    return hosts.some((h) => h.name === got.name && (h.port === undefined || h.port === got.port));
  };

  const originAllowed = (header: string): boolean => {
    const origin = normalizeOrigin(header);
    if (origins.has(origin)) return true;
    return opts.loopback && LOOPBACK_ORIGIN.test(origin);
  };

  return (req) => {
    const host = req.headers.host;
    if (!anyHost && (!host || !hostAllowed(host))) {
      return host
        ? `Host ${shown(host)} is not allowed; the server operator can add it with --allowed-hosts`
        : "a Host header is required";
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin)) {
      return `Origin ${shown(origin)} is not allowed; the server operator can add it with --allowed-origins`;
    }
    return undefined;
  };
}

/** The key from `Authorization: Bearer <key>`, or undefined for any other shape. */
export function bearerKey(header: string | undefined): string | undefined {
  const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return m?.[1];
}
