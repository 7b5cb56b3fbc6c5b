import { isLoopbackAddress } from "../transport/http-guards.js";
import { APPROVALS_PATH } from "./service.js";

export const APPROVER_KEY_ENV = "FLY_MCP_APPROVER_KEY";

export interface ApprovalsCliOptions {
  url?: string;
  key?: string;
  reason?: string;
  json?: boolean;
}

/** A usage problem: exit code 2, and the message never holds the key. */
export class ApprovalsUsageError extends Error {
  override readonly name = "ApprovalsUsageError";
}

/** The server answered with a refusal or could not be reached: exit code 1. */
export class ApprovalsRequestError extends Error {
  override readonly name = "ApprovalsRequestError";
}

interface ApprovalJson {
  id: string;
  status: string;
  agent: string;
  tool: string;
  app?: string;
  resource?: string;
  message: string;
  args: unknown;
  created_at: string;
  expires_at: string;
  decision?: string;
  approver?: string;
  reason?: string;
}

function baseUrl(raw: string | undefined): URL {
  if (!raw)
    throw new ApprovalsUsageError(
      "--url is required: the server's address, e.g. --url https://mcp.example.com",
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApprovalsUsageError("--url must be a URL such as https://mcp.example.com");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackAddress(url.hostname))) {
    throw new ApprovalsUsageError(
      "--url must use https (plain http only for 127.0.0.1 or localhost): the approver key would travel unencrypted",
    );
  }
  // A URL copied from an approval link or the MCP endpoint still finds the API.
  url.pathname = url.pathname.replace(/\/(mcp|approvals)(\/.*)?$/, "").replace(/\/+$/, "");
  return url;
}

function target(a: ApprovalJson): string {
  return [a.resource, a.app && `app ${a.app}`].filter(Boolean).join(" in ") || "-";
}

function describe(a: ApprovalJson): string {
  const lines = [
    `${a.id}  ${a.status}`,
    `  ${a.message}`,
    `  agent ${a.agent}, tool ${a.tool}, target ${target(a)}`,
    `  asked ${a.created_at}, expires ${a.expires_at}`,
  ];
  if (a.decision) lines.push(`  ${a.decision} by ${a.approver}${a.reason ? `: ${a.reason}` : ""}`);
  lines.push(`  arguments: ${JSON.stringify(a.args)}`);
  return lines.join("\n");
}

/** Runs `approvals list|show|approve|deny`; returns the text to print. */
export async function runApprovals(
  action: "list" | "show" | "approve" | "deny",
  id: string | undefined,
  opts: ApprovalsCliOptions,
  env: NodeJS.ProcessEnv,
  send: typeof fetch = fetch,
): Promise<string> {
  const base = baseUrl(opts.url);
  const key = (opts.key ?? env[APPROVER_KEY_ENV])?.trim();
  if (!key) throw new ApprovalsUsageError(`no approver key: set ${APPROVER_KEY_ENV} (or pass --key)`);
  if (action !== "list" && !/^apr_[A-Za-z0-9_-]+$/.test(id ?? "")) {
    throw new ApprovalsUsageError(
      `${action}: give the approval id, e.g. fly-machines-mcp approvals ${action} apr_...`,
    );
  }
  const path = action === "list" ? "/api/pending" : action === "show" ? `/api/${id}` : `/api/${id}/${action}`;
  const init: RequestInit = {
    method: action === "approve" || action === "deny" ? "POST" : "GET",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json",
    },
    signal: AbortSignal.timeout(15_000),
    redirect: "error",
  };
  if (init.method === "POST") init.body = JSON.stringify(opts.reason ? { reason: opts.reason } : {});
  let res: Response;
  try {
    const prefix = base.pathname.replace(/\/+$/, "");
    res = await send(new URL(`${base.origin}${prefix}${APPROVALS_PATH}${path}`), init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new ApprovalsRequestError(`cannot reach ${base.origin}: ${why}`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string } & Record<string, unknown>;
  if (!res.ok)
    throw new ApprovalsRequestError(
      `${action} refused (HTTP ${res.status}): ${body.error ?? "no reason given"}`,
    );
  if (opts.json) return JSON.stringify(body, null, 2);
  if (action === "list") {
    const items = (body.approvals ?? []) as ApprovalJson[];
    if (items.length === 0) return "Nothing is waiting for a decision.";
    return items.map(describe).join("\n\n");
  }
  const a = body as unknown as ApprovalJson;
  return action === "show" ? describe(a) : `${a.status} ${a.id}: ${a.tool} by ${a.agent} on ${target(a)}`;
}
