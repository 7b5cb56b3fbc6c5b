import type { Logger } from "pino";
import type { ApprovalRequest } from "./types.js";

export interface WebhookOptions {
  url: string;
  logger: Logger;
  /** Waits before attempt 2, 3, ...; the last entry's count is the number of retries. */
  backoffMs?: readonly number[];
  /** Injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Per attempt. */
  timeoutMs?: number;
}

export const WEBHOOK_BACKOFF_MS = [1_000, 5_000, 30_000] as const;

/** What the webhook receives: enough to route it to a person, with the link where they decide. */
export function webhookPayload(request: ApprovalRequest, link: string) {
  return {
    type: "approval_requested",
    id: request.id,
    url: link,
    agent: request.agent,
    tool: request.tool,
    app: request.app,
    resource: request.resource,
    message: request.message,
    args: request.args,
    created_at: new Date(request.createdAt).toISOString(),
    expires_at: new Date(request.expiresAt).toISOString(),
    text: `Agent ${request.agent} asks: ${request.message} Approve or deny: ${link}`,
  };
}

/**
 * Tells a team's endpoint about each new pending approval. Delivery is best effort: failures are
 * logged and retried a few times, and nothing it answers can approve anything.
 */
export function approvalWebhook(
  opts: WebhookOptions,
): (request: ApprovalRequest, link: string) => Promise<boolean> {
  const backoff = opts.backoffMs ?? WEBHOOK_BACKOFF_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  const send = opts.fetch ?? fetch;
  const target = new URL(opts.url);
  // Chat webhooks carry their token in the path or the query: only the origin is logged.
  const where = target.origin;
  return async (request, link) => {
    const body = JSON.stringify(webhookPayload(request, link));
    for (let attempt = 1; attempt <= backoff.length + 1; attempt++) {
      let problem: string;
      try {
        const res = await send(opts.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          redirect: "manual",
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        if (res.ok) return true;
        problem = `HTTP ${res.status}`;
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      const last = attempt > backoff.length;
      opts.logger.warn(
        { webhook: where, approval: request.id, attempt, problem },
        last ? "approval webhook not delivered; giving up" : "approval webhook not delivered; retrying",
      );
      if (!last) await sleep(backoff[attempt - 1]!);
    }
    return false;
  };
}
