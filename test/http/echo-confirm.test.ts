import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createAccessControl, findAgentByKey, hashKey, parsePolicy } from "../../src/policy/index.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { type AuditEntry, createServer } from "../../src/server.js";
import { allTools } from "../../src/tools/index.js";
import { createAgentDirectory } from "../../src/transport/http.js";
import { USER_AGENT } from "../../src/version.js";
import { callTool, harness, textOf } from "./support.js";

const h = harness();
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await h.cleanup();
});

// Made at run time: a key written out here would be public.
const KEYS = { echo: randomBytes(18).toString("base64url"), strict: randomBytes(18).toString("base64url") };

/** Two agents that confirm destructive calls; only `echo` may confirm by phrase. */
const POLICY = `agents:
  echo:
    key_sha256: "${hashKey(KEYS.echo)}"
    access: [read, write]
    destructive: confirm
    confirm_fallback: echo
  strict:
    key_sha256: "${hashKey(KEYS.strict)}"
    access: [read, write]
    destructive: confirm
`;

/** The sandbox behind a real HTTP server; every request that reaches it is recorded. */
async function echoServer(opts: { stateless?: boolean } = {}) {
  const sandbox = createSandbox({ transitionMs: 0, rateLimits: false });
  const requests: string[] = [];
  const fly = createFlyClient({
    baseUrl: "http://sandbox.local",
    token: "sandbox",
    userAgent: USER_AGENT,
    retry: false,
    rateLimits: false,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      requests.push(`${req.method} ${url.pathname}${url.search} ${await req.clone().text()}`.trimEnd());
      return sandbox.fetch(req);
    },
  });
  const file = parsePolicy(POLICY, "policy.yaml", { defaultToolsets: ["core"] });
  const audit: AuditEntry[] = [];
  const served = await h.start({
    stateless: opts.stateless ?? false,
    agents: createAgentDirectory({
      size: 2,
      lookup: (key) => findAgentByKey(file, key),
      toAccess: (_name, policy) => createAccessControl({ scope: "org", policy }),
    }),
    serverFor: (access) =>
      createServer({
        tools: allTools,
        fly,
        access,
        audit: { record: (e) => audit.push(e) },
        logger: silentLogger(),
      }),
  });
  const machines = (await (
    await sandbox.fetch(
      new Request("http://sandbox.local/v1/apps/demo-app/machines", {
        headers: { authorization: "Bearer x" },
      }),
    )
  ).json()) as Array<{ id: string; name: string }>;
  const id = (name: string) => machines.find((m) => m.name === name)!.id;
  return { served, requests, audit, worker: id("demo-worker"), web: id("demo-web") };
}

const phraseIn = (text: string): string => /confirm: "([^"]+)"/.exec(text)?.[1] ?? expect.unreachable(text);

describe("echo confirmation over HTTP, for a client without elicitation", () => {
  it("the refusal names the target and gives the phrase; nothing reaches Fly", async () => {
    const { served, requests, audit, worker } = await echoServer();
    const { client } = await h.connect(served.url, KEYS.echo);
    const result = await callTool(client, "machines_delete", { app_name: "demo-app", machine_id: worker });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("This client cannot ask a person to confirm.");
    expect(phraseIn(textOf(result))).toMatch(
      new RegExp(`^delete machine ${worker} in app demo-app #[0-9a-f]{8}$`),
    );
    expect(requests).toEqual([]);
    expect(audit.map((e) => e.decision)).toEqual(["confirm-echo-requested"]);
  });

  it("only the exact phrase goes through, and then exactly one request reaches Fly", async () => {
    const { served, requests, audit, worker } = await echoServer();
    const { client } = await h.connect(served.url, KEYS.echo);
    const args = { app_name: "demo-app", machine_id: worker };
    const phrase = phraseIn(textOf(await callTool(client, "machines_delete", args)));
    const wrong = [
      phrase.toUpperCase(),
      phrase.replace(/ #[0-9a-f]{8}$/, ""),
      `${phrase} `,
      phrase.slice(0, -1),
      `delete machine ${worker} in app demo-app`,
      "yes",
    ];
    for (const confirm of wrong) {
      const refused = await callTool(client, "machines_delete", { ...args, confirm });
      expect([confirm, refused.isError]).toEqual([confirm, true]);
      expect(textOf(refused)).toContain("confirm does not match this call's phrase");
    }
    expect(requests).toEqual([]);

    const done = await callTool(client, "machines_delete", { ...args, confirm: phrase });
    expect(done.isError).toBeFalsy();
    // `confirm` is local: not in the path, the query or a body.
    expect(requests).toEqual([`DELETE /v1/apps/demo-app/machines/${worker}`]);
    expect(audit.map((e) => e.decision)).toEqual([
      "confirm-echo-requested",
      ...wrong.map(() => "confirm-echo-mismatch"),
      "confirmed-by-echo",
      "confirmed-by-echo",
    ]);
    expect(audit.at(-2)).toMatchObject({ event: "tool_call", args });
    expect(JSON.stringify(audit)).not.toContain(`"confirm"`);
  });

  it("a phrase for another machine, another app or other arguments confirms nothing", async () => {
    const { served, requests, audit, worker, web } = await echoServer();
    const { client } = await h.connect(served.url, KEYS.echo);
    const args = { app_name: "demo-app", machine_id: worker };
    const phrase = phraseIn(textOf(await callTool(client, "machines_delete", args)));
    const others = [
      { app_name: "demo-app", machine_id: web },
      { app_name: "other-app", machine_id: worker },
      { ...args, force: true },
      // Not named in the phrase's words, but bound by its code.
      { ...args, lease_nonce: "nonce-1" },
    ];
    for (const other of others) {
      const refused = await callTool(client, "machines_delete", { ...other, confirm: phrase });
      expect([other, refused.isError]).toEqual([other, true]);
      expect(phraseIn(textOf(refused))).not.toBe(phrase);
    }
    expect(requests).toEqual([]);
    expect(audit.slice(1).map((e) => e.decision)).toEqual(others.map(() => "confirm-echo-mismatch"));
  });

  it("with confirm_fallback: deny the phrase is ignored: refused as before, nothing sent", async () => {
    const { served, requests, audit, worker } = await echoServer();
    const args = { app_name: "demo-app", machine_id: worker };
    const echo = await h.connect(served.url, KEYS.echo);
    const phrase = phraseIn(textOf(await callTool(echo.client, "machines_delete", args)));
    const { client } = await h.connect(served.url, KEYS.strict);
    const refused = await callTool(client, "machines_delete", { ...args, confirm: phrase });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain("The client cannot ask for confirmation");
    expect(textOf(refused)).not.toContain(phrase);
    expect(requests).toEqual([]);
    expect(audit.at(-1)).toMatchObject({ agent: "strict", decision: "confirm-declined" });
  });

  it("a client that can be asked is asked: the phrase does not replace its answer", async () => {
    const { served, requests, worker } = await echoServer();
    const args = { app_name: "demo-app", machine_id: worker };
    const plain = await h.connect(served.url, KEYS.echo);
    const phrase = phraseIn(textOf(await callTool(plain.client, "machines_delete", args)));

    const asked: string[] = [];
    const client = new Client(
      { name: "eliciting", version: "1" },
      { capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req.params.message);
      return { action: "decline" };
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(served.url), {
        requestInit: { headers: { Authorization: `Bearer ${KEYS.echo}` } },
      }),
    );
    clients.push(client);
    const refused = await callTool(client, "machines_delete", { ...args, confirm: phrase });
    expect(refused.isError).toBe(true);
    expect(asked).toHaveLength(1);
    expect(requests).toEqual([]);
  });

  it("works under --stateless, where nobody can be asked: each call may reach another server", async () => {
    const { served, requests, audit, worker } = await echoServer({ stateless: true });
    const { client } = await h.connect(served.url, KEYS.echo);
    const args = { app_name: "demo-app", machine_id: worker };
    const phrase = phraseIn(textOf(await callTool(client, "machines_delete", args)));
    expect((await callTool(client, "machines_delete", { ...args, confirm: phrase })).isError).toBeFalsy();
    expect(requests).toEqual([`DELETE /v1/apps/demo-app/machines/${worker}`]);
    expect(audit.map((e) => e.decision)).toEqual([
      "confirm-echo-requested",
      "confirmed-by-echo",
      "confirmed-by-echo",
    ]);
  });
});
