import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Approvals } from "../../src/approvals/service.js";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { findAgentByKey, hashKey, type PolicyFile, parsePolicy } from "../../src/policy/agent-policy.js";
import { type AuditEntry, auditLine } from "../../src/policy/audit.js";
import { createAccessControl } from "../../src/policy/index.js";
import { createServer } from "../../src/server.js";
import { memoryStore } from "../../src/state/store.js";
import { coreTools } from "../../src/tools/index.js";
import type { ToolDef } from "../../src/tools/types.js";
import { createAgentDirectory, type HttpServerHandle, startHttpServer } from "../../src/transport/http.js";
import { USER_AGENT } from "../../src/version.js";
import { FLY_TOKEN, fakeFly } from "../http/support.js";

/** Made at run time: a key written out in the repository would be public. */
export const newKeys = () => ({
  ci: randomBytes(24).toString("base64url"),
  nightly: randomBytes(24).toString("base64url"),
  alice: randomBytes(24).toString("base64url"),
  bob: randomBytes(24).toString("base64url"),
});
export type Keys = ReturnType<typeof newKeys>;

export const START = Date.parse("2026-12-02T12:00:00.000Z");
export const MINUTE = 60_000;

export function policyText(keys: Keys): string {
  return `
approvers:
  alice: { key_sha256: ${hashKey(keys.alice)} }
  bob: { key_sha256: ${hashKey(keys.bob)} }
agents:
  ci:
    key_sha256: ${hashKey(keys.ci)}
    access: [read, write]
    destructive: approve
    approvers: [alice]
  nightly:
    key_sha256: ${hashKey(keys.nightly)}
    access: [read, write]
    destructive: approve
`;
}

export interface ApprovalsFixture {
  handle: HttpServerHandle;
  /** http://127.0.0.1:PORT */
  origin: string;
  keys: Keys;
  approvals: Approvals;
  audit: AuditEntry[];
  /** Every request that reached the stand-in for Fly, as "METHOD /path". */
  flyRequests: string[];
  /** Moves the injected clock. */
  advance(ms: number): void;
  policy: PolicyFile;
}

/** The real policy parser, gate, server and HTTP transport, with a stand-in Fly and an injected clock. */
export async function startApprovalsServer(
  opts: {
    onRequested?: ConstructorParameters<typeof Approvals>[0]["onRequested"];
    tools?: readonly ToolDef[];
  } = {},
): Promise<ApprovalsFixture> {
  const keys = newKeys();
  const policy = parsePolicy(policyText(keys), "approvals-test.yaml");
  let now = START;
  const clock = () => now;
  const fly = fakeFly();
  const flyRequests: string[] = [];
  const counting: typeof fetch = async (input, init) => {
    const req = new Request(input, init);
    flyRequests.push(`${req.method} ${new URL(req.url).pathname}`);
    return fly.fetch(input, init);
  };
  const client = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: counting,
    userAgent: USER_AGENT,
  });
  const audit: AuditEntry[] = [];
  const sink = { record: (entry: AuditEntry) => void audit.push(entry) };
  const approvals = new Approvals({
    store: memoryStore(clock),
    approvers: policy.approvers ?? {},
    approversFor: (agent) => policy.agents[agent]?.approvers,
    audit: sink.record,
    logger: silentLogger(),
    now: clock,
    onRequested: opts.onRequested,
  });
  const handle = await startHttpServer({
    serverFor: (access) =>
      createServer({
        tools: opts.tools ?? coreTools,
        fly: client,
        access,
        audit: sink,
        approvals,
        logger: silentLogger(),
      }),
    agents: createAgentDirectory({
      size: Object.keys(policy.agents).length,
      lookup: (key) => findAgentByKey(policy, key),
      toAccess: (_name, p) => createAccessControl({ scope: "org", policy: p }),
    }),
    approvals,
    host: "127.0.0.1",
    port: 0,
    stateless: false,
    logger: silentLogger(),
  });
  return {
    handle,
    origin: new URL(handle.url).origin,
    keys,
    approvals,
    audit,
    flyRequests,
    advance: (ms) => {
      now += ms;
    },
    policy,
  };
}

/** The audit entries as the audit log writes them, one JSON line each. */
export const auditJson = (entries: AuditEntry[]) =>
  entries.map((e) => auditLine(e, undefined, [FLY_TOKEN], () => new Date(START)).trim());

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** Runs the built CLI; the approver key goes in through the environment. */
export function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run npm run build first");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export const approvalIdIn = (text: string): string => {
  const m = /apr_[A-Za-z0-9_-]{43}/.exec(text);
  if (!m) throw new Error(`no approval id in: ${text}`);
  return m[0];
};
