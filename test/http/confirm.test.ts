import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { type AuditEntry, createServer } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { FLY_TOKEN, fakeDirectory, fakeFly, harness, KEYS, textOf } from "./support.js";

const h = harness();
const clients: Client[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await h.cleanup();
});

const target = { app_name: "my-app", machine_id: "148ed193b95089" };

/** A server whose one agent must confirm destructive calls; Fly's requests and the audit are recorded. */
async function confirmingServer(opts: { confirmTimeoutMs?: number } = {}) {
  const fly = fakeFly();
  const audit: AuditEntry[] = [];
  const flyClient = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: FLY_TOKEN,
    fetch: fly.fetch,
    userAgent: USER_AGENT,
  });
  const access = createAccessControl({
    scope: "org",
    policy: policyFromFlags({ access: "all", destructive: "confirm" }),
  });
  const served = await h.start({
    fly,
    agents: fakeDirectory({ [KEYS.ops]: { agent: "ops", access } }),
    serverFor: (a) =>
      createServer({
        tools: coreTools,
        fly: flyClient,
        access: a,
        audit: { record: (e) => audit.push(e) },
        logger: silentLogger(),
        confirmTimeoutMs: opts.confirmTimeoutMs,
      }),
  });
  return { served, fly, audit };
}

/**
 * An SDK client that can answer elicitation but never opens the optional GET stream: its fetch
 * answers every GET itself with 405, which the SDK reads as "this server has no such stream".
 */
async function clientWithoutGetStream(url: string, answer: (message: string) => Promise<ElicitResult>) {
  const getsSent: string[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${KEYS.ops}` } },
    fetch: async (input, init) => {
      if ((init?.method ?? "GET") === "GET") {
        getsSent.push(String(input));
        return new Response(null, { status: 405 });
      }
      return fetch(input, init);
    },
  });
  const client = new Client(
    { name: "no-get-stream", version: "1.0.0" },
    { capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler(ElicitRequestSchema, (req) => answer(req.params.message));
  await client.connect(transport);
  clients.push(client);
  return { client, getsSent };
}

const deletes = (fly: ReturnType<typeof fakeFly>) => fly.authorizations.length;

/** A person who takes their time: `asked` settles when the question arrives, `answer` replies. */
function slowPerson() {
  let answer: (r: ElicitResult) => void = () => undefined;
  let askedNow!: () => void;
  const asked = new Promise<void>((resolve) => {
    askedNow = resolve;
  });
  const handler = () =>
    new Promise<ElicitResult>((resolve) => {
      answer = resolve;
      askedNow();
    });
  return { asked, handler, answer: (r: ElicitResult) => answer(r) };
}

describe("confirmation over sessionful HTTP", () => {
  it("asks on the call's own stream, so a client without the GET stream can confirm", async () => {
    const { served, fly, audit } = await confirmingServer();
    const asked: string[] = [];
    const { client, getsSent } = await clientWithoutGetStream(served.url, async (message) => {
      asked.push(message);
      return { action: "accept", content: { confirm: true } };
    });

    const result = await client.callTool({ name: "machines_delete", arguments: target }, undefined, {
      timeout: 20_000,
    });
    expect(textOf(result as never), textOf(result as never)).not.toContain("Not done");
    expect(result.isError).toBeFalsy();
    expect(asked).toHaveLength(1);
    expect(getsSent.length).toBeGreaterThan(0); // the client really tried, and had no GET stream
    expect(deletes(fly)).toBe(1);
    expect(audit.at(-1)).toMatchObject({
      tool: "machines_delete",
      decision: expect.stringMatching(/^confirm-accepted/),
    });
  });

  it("still accepts an answer given after the SDK's 60 s default request timeout", async () => {
    const { served, fly } = await confirmingServer();
    const person = slowPerson();
    const { client } = await clientWithoutGetStream(served.url, person.handler);

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    const call = client.callTool({ name: "machines_delete", arguments: target }, undefined, {
      timeout: 60 * 60_000,
    });
    await person.asked;
    // The person reads for 65 s; the SDK's own default would have given up at 60.
    await vi.advanceTimersByTimeAsync(65_000);
    vi.useRealTimers();
    person.answer({ action: "accept", content: { confirm: true } });

    const result = await call;
    expect(textOf(result as never)).not.toContain("Not done");
    expect(deletes(fly)).toBe(1);
  });

  it("gives up after the configured confirmation timeout, and nothing reaches Fly", async () => {
    const { served, fly, audit } = await confirmingServer({ confirmTimeoutMs: 5 * 60_000 });
    const person = slowPerson();
    const { client } = await clientWithoutGetStream(served.url, person.handler);

    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    const call = client.callTool({ name: "machines_delete", arguments: target }, undefined, {
      timeout: 60 * 60_000,
    });
    await person.asked;
    await vi.advanceTimersByTimeAsync(5 * 60_000 + 1_000);
    vi.useRealTimers();

    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result as never)).toContain("Nobody answered the confirmation within 300 s");
    expect(deletes(fly)).toBe(0);
    expect(audit.at(-1)).toMatchObject({ decision: "confirm-declined" });
  });

  it("stops asking when the client cancels the call mid-confirmation; nothing reaches Fly", async () => {
    const { served, fly, audit } = await confirmingServer();
    const person = slowPerson();
    const { client } = await clientWithoutGetStream(served.url, person.handler);
    const cancel = new AbortController();
    const call = client
      .callTool({ name: "machines_delete", arguments: target }, undefined, { signal: cancel.signal })
      .catch((error: unknown) => error);
    await person.asked;
    cancel.abort("the user walked away");
    await call;

    await vi.waitFor(() => expect(audit.at(-1)).toMatchObject({ decision: "confirm-declined" }), {
      timeout: 10_000,
    });
    expect(audit.at(-1)?.reason).toContain("cancelled while waiting for confirmation");
    expect(deletes(fly)).toBe(0);
  });

  it("stops asking when the client hangs up mid-confirmation; nothing reaches Fly", async () => {
    const { served, fly, audit } = await confirmingServer();
    const person = slowPerson();
    const { client } = await clientWithoutGetStream(served.url, person.handler);
    const call = client
      .callTool({ name: "machines_delete", arguments: target }, undefined, { timeout: 60 * 60_000 })
      .catch((error: unknown) => error);
    await person.asked;
    // Closing the transport drops the call's stream without a word (no cancellation, no DELETE).
    await client.transport?.close();
    await call;

    await vi.waitFor(() => expect(audit.at(-1)).toMatchObject({ decision: "confirm-declined" }), {
      timeout: 10_000,
    });
    expect(audit.at(-1)?.reason).toContain("cancelled while waiting for confirmation");
    person.answer({ action: "accept", content: { confirm: true } });
    expect(deletes(fly)).toBe(0);
  });
});
