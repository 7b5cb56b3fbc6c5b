import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { createLogger } from "../../src/log.js";
import { type AuditEntry, auditLine } from "../../src/policy/audit.js";
import { registerSecret } from "../../src/policy/scrub.js";
import { createServer } from "../../src/server.js";
import { allTools } from "../../src/tools/index.js";
import { argsFor } from "../fuzz/arbitraries.js";
import { call, connect, fullAccess } from "../support/harness.js";

const RUNS_PER_TOOL = Number(process.env.PROPERTY_RUNS ?? 6);
const SEED = Number(process.env.PROPERTY_SEED ?? 20_261_202);

// Assembled at run time: a two-part macaroon token, as `fly tokens create` prints it.
const part = (prefix: string) => [prefix, randomBytes(60).toString("base64")].join("_");
const TOKEN = `${part("fm2")},${part("fm2")}`;

type Event = { kind: "audit"; entry: AuditEntry } | { kind: "request"; url: string };

/**
 * A hostile stand-in for Fly: it echoes every request header (the token included) into its
 * answers, as text, as nested JSON, URL-encoded and base64, in errors and in successes.
 */
function hostileFetch(timeline: Event[]): typeof fetch {
  let n = 0;
  return async (input, init) => {
    const request = new Request(input, init);
    timeline.push({ kind: "request", url: request.url });
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const auth = request.headers.get("authorization") ?? "";
    const echo = {
      error: `rejected ${auth}; you sent ${JSON.stringify(headers)}`,
      nested: JSON.stringify({ headers }),
      encoded: encodeURIComponent(auth),
      b64: Buffer.from(`authorization: ${auth}`).toString("base64"),
      // Shapes tools read from successful answers.
      id: "3d8d413b29d089",
      name: auth,
      machines: [{ id: auth, config: { env: { FLY_API_TOKEN: auth } } }],
    };
    const status = [200, 400, 401, 404, 409, 422, 500][n++ % 7]!;
    return new Response(JSON.stringify(echo), { status, headers: { "content-type": "application/json" } });
  };
}

/** True when any 12-character piece of the token is in `text`. */
function leaks(text: string): boolean {
  const body = TOKEN.replace(/,/g, "");
  for (let i = 0; i + 12 <= body.length; i += 6) if (text.includes(body.slice(i, i + 12))) return true;
  return false;
}

const nested = (depth: number): unknown => {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

// Adversarial additions: the token itself in the arguments, pathological nesting.
const adversarial = fc.oneof(
  fc.constant({}),
  fc.constant({ note: TOKEN }),
  fc.integer({ min: 20, max: 3000 }).map((d) => ({ config: { image: "nginx", x: nested(d) } })),
);

describe("outbound property: for every tool and any input, audit before Fly, and the token never leaves", () => {
  registerSecret(TOKEN);
  const timeline: Event[] = [];
  let logged = "";
  const logSink = new Writable({
    write(chunk, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  const fly = createFlyClient({
    baseUrl: "https://api.machines.test",
    token: TOKEN,
    fetch: hostileFetch(timeline),
    userAgent: "property",
    retry: false,
    rateLimits: false,
  });
  const server = createServer({
    tools: allTools,
    fly,
    access: fullAccess(),
    audit: { record: (entry) => void timeline.push({ kind: "audit", entry }) },
    logger: createLogger("trace", logSink),
  });
  const client = connect(server);
  const stats = { calls: 0, reachedFly: 0 };

  it.each(allTools.map((t) => [t.name, t] as const))("%s", async (_, tool) => {
    await fc.assert(
      fc.asyncProperty(argsFor(tool), adversarial, async (generated, extra) => {
        const args = JSON.parse(JSON.stringify({ ...generated, ...extra })) as Record<string, unknown>;
        const start = timeline.length;
        const result = await call(await client, tool.name, args);
        stats.calls++;
        const events = timeline.slice(start);

        // Every request that reached Fly follows this call's audit line, written before it.
        const firstRequest = events.findIndex((e) => e.kind === "request");
        if (firstRequest >= 0) {
          stats.reachedFly++;
          const before = events.slice(0, firstRequest);
          expect(
            before.some(
              (e) => e.kind === "audit" && e.entry.event === "tool_call" && e.entry.tool === tool.name,
            ),
          ).toBe(true);
        }
        // Nothing that leaves holds the token: the result the client got, the audit lines, the logs.
        expect(leaks(JSON.stringify(result))).toBe(false);
        for (const e of events) if (e.kind === "audit") expect(leaks(auditLine(e.entry, tool))).toBe(false);
      }),
      { numRuns: RUNS_PER_TOOL, seed: SEED + tool.name.length },
    );
  });

  it("reached Fly often enough to prove something, and no log line held the token", async () => {
    await new Promise((r) => setImmediate(r));
    expect(stats.calls).toBe(RUNS_PER_TOOL * allTools.length);
    expect(stats.reachedFly).toBeGreaterThan(stats.calls / 10);
    expect(leaks(logged)).toBe(false);
  });
});
