import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { approvalWebhook } from "../../src/approvals/webhook.js";
import { callTool, harness, textOf } from "../http/support.js";
import { type ApprovalsFixture, approvalIdIn, startApprovalsServer } from "./support.js";

/** A local receiver answering each POST with the next status of `statuses` (200 when they run out). */
async function receiver(statuses: number[]) {
  const bodies: unknown[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.statusCode = statuses.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0A/B0B/path-secret-456?token=chat-secret-123`;
  return { url, bodies, close: () => new Promise((r) => server.close(r)) };
}

const h = harness();
const closers: (() => Promise<unknown>)[] = [];
let fx: ApprovalsFixture | undefined;
afterEach(async () => {
  await h.cleanup();
  await fx?.handle.close();
  for (const c of closers.splice(0)) await c();
});

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { logger, lines };
}

describe("--approval-webhook", () => {
  it("POSTs each new pending approval with its link; failures are retried with backoff, then it arrives", async () => {
    const hook = await receiver([500, 503]);
    closers.push(hook.close);
    const waits: number[] = [];
    const { logger, lines } = memoryLogger();
    let delivered: Promise<boolean> | undefined;
    const send = approvalWebhook({
      url: hook.url,
      logger,
      backoffMs: [1_000, 5_000, 30_000],
      sleep: async (ms) => void waits.push(ms),
    });
    fx = await startApprovalsServer({
      onRequested: (request, link) => {
        delivered = send(request, link);
      },
    });
    const ci = (await h.connect(fx.handle.url, fx.keys.ci)).client;
    const id = approvalIdIn(
      textOf(await callTool(ci, "machines_delete", { app_name: "demo-app", machine_id: "148ed193b95089" })),
    );
    expect(await delivered).toBe(true);
    expect(waits).toEqual([1_000, 5_000]);
    expect(hook.bodies).toHaveLength(3);
    expect(hook.bodies[2]).toMatchObject({
      type: "approval_requested",
      id,
      url: `${fx.origin}/approvals/${id}`,
      agent: "ci",
      tool: "machines_delete",
      app: "demo-app",
      args: { app_name: "demo-app", machine_id: "148ed193b95089" },
      expires_at: "2026-12-02T12:15:00.000Z",
    });
    const warnings = lines.filter((l) => l.msg === "approval webhook not delivered; retrying");
    expect(warnings.map((w) => w.problem)).toEqual(["HTTP 500", "HTTP 503"]);
    // Chat webhooks carry their token in the path (Slack, Discord) or the query: neither is logged.
    expect(JSON.stringify(lines)).not.toContain("chat-secret-123");
    expect(JSON.stringify(lines)).not.toContain("path-secret-456");
    // Delivery decides nothing.
    expect((await fx.approvals.get(id))?.status).toBe("pending");
  });

  it("gives up after the retries, logs it, and the approval stays pending", async () => {
    const hook = await receiver([500, 500, 500, 500, 500]);
    closers.push(hook.close);
    const { logger, lines } = memoryLogger();
    const waits: number[] = [];
    let delivered: Promise<boolean> | undefined;
    const send = approvalWebhook({
      url: hook.url,
      logger,
      backoffMs: [10, 20],
      sleep: async (ms) => void waits.push(ms),
    });
    fx = await startApprovalsServer({
      onRequested: (r, link) => {
        delivered = send(r, link);
      },
    });
    const ci = (await h.connect(fx.handle.url, fx.keys.ci)).client;
    const id = approvalIdIn(
      textOf(await callTool(ci, "machines_delete", { app_name: "demo-app", machine_id: "148ed193b95089" })),
    );
    expect(await delivered).toBe(false);
    expect(hook.bodies).toHaveLength(3);
    expect(waits).toEqual([10, 20]);
    expect(lines.at(-1)).toMatchObject({ msg: "approval webhook not delivered; giving up", attempt: 3 });
    expect((await fx.approvals.get(id))?.status).toBe("pending");
  });

  it("an unreachable receiver is logged, not thrown", async () => {
    const { logger, lines } = memoryLogger();
    const send = approvalWebhook({
      url: "http://127.0.0.1:9/hook",
      logger,
      backoffMs: [],
      sleep: async () => {},
    });
    const request = {
      id: "apr_x",
      agent: "ci",
      tool: "machines_delete",
      message: "m",
      args: {},
      argsDigest: "d",
      requestCallId: "c",
      createdAt: 0,
      expiresAt: 1,
    };
    expect(await send(request, "http://x/approvals/apr_x")).toBe(false);
    expect(lines).toHaveLength(1);
  });
});
