import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { call, textOf } from "../support/harness.js";
import { argsFor, value } from "./arbitraries.js";
import { useFuzzServer } from "./server.js";

const RUNS_PER_TOOL = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const TOTAL_CASES = RUNS_PER_TOOL * allTools.length;

const { fly, mcp } = useFuzzServer();

/** Whatever Fly might answer: any status with any JSON, text, garbage or nothing. */
const answer = fc.record({
  status: fc.constantFrom(200, 201, 202, 204, 400, 404, 408, 409, 412, 422, 429, 500, 502, 503),
  body: fc.oneof(
    value.map((v) => ({ text: JSON.stringify(v) ?? "null", type: "application/json" })),
    fc.string().map((text) => ({ text, type: "text/plain" })),
    fc.constantFrom(
      { text: '{"trunc', type: "application/json" },
      { text: "<html>502 Bad Gateway</html>", type: "text/html" },
      { text: "", type: "application/json" },
    ),
  ),
});

describe(`odd answers from Fly never crash a tool: ${RUNS_PER_TOOL} cases x ${allTools.length} tools = ${TOTAL_CASES} cases`, () => {
  it.each(allTools.map((t) => [t.name, t] as const))("%s", async (_, tool) => {
    await fc.assert(
      fc.asyncProperty(argsFor(tool), answer, async (generated, reply) => {
        fly.reset();
        fly.reply("*", "/v1/*", () =>
          reply.status === 204
            ? new Response(null, { status: 204 })
            : new Response(reply.body.text, {
                status: reply.status,
                headers: { "content-type": reply.body.type },
              }),
        );
        const args = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const result = await call(mcp(), tool.name, args);
        const text = textOf(result);
        expect(text).not.toContain("Internal error");
        if (fly.requests.length > 0 && reply.status >= 400 && !tool.onStatus?.[reply.status]) {
          expect(result.isError).toBe(true);
        }
      }),
      { numRuns: RUNS_PER_TOOL, seed: SEED + tool.name.length },
    );
  });
});
