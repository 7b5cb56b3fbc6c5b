import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { call, textOf } from "../support/harness.js";
import { argsFor, fieldsNamed } from "./arbitraries.js";
import { useFuzzServer } from "./server.js";

const RUNS_PER_TOOL = Number(process.env.FUZZ_RUNS ?? 30);
// Fixed so CI is repeatable; set FUZZ_SEED to explore other cases.
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_123);
const TOTAL_CASES = RUNS_PER_TOOL * allTools.length;

const { fly, mcp } = useFuzzServer();

describe(`fuzzing every tool's input: ${RUNS_PER_TOOL} cases x ${allTools.length} tools = ${TOTAL_CASES} cases`, () => {
  let cases = 0;
  const stats = { valid: 0, sent: 0, ok: 0 };

  it.each(allTools.map((t) => [t.name, t] as const))("%s", async (_, tool) => {
    await fc.assert(
      fc.asyncProperty(argsFor(tool), async (generated) => {
        cases++;
        // What a real client would put on the wire.
        const args = JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;
        const before = fly.requests.length;
        const result = await call(mcp(), tool.name, args);
        const text = textOf(result);
        const sent = fly.requests.slice(before);

        expect(typeof text).toBe("string");
        expect(text).not.toContain("Internal error");
        expect(text).not.toContain(fly.token);
        for (const req of sent) {
          expect(req.url.pathname.startsWith("/v1/")).toBe(true);
          expect(req.url.pathname.split("/")).not.toContain("..");
        }

        const parsed = tool.input.safeParse(args);
        stats.valid += parsed.success ? 1 : 0;
        stats.sent += sent.length > 0 ? 1 : 0;
        stats.ok += result.isError ? 0 : 1;
        if (!parsed.success) {
          expect(result.isError).toBe(true);
          expect(sent).toHaveLength(0);
          const named = fieldsNamed(parsed.error.issues);
          if (named.length > 0) expect(named.some((f) => text.includes(f))).toBe(true);
        }
      }),
      { numRuns: RUNS_PER_TOOL, seed: SEED + tool.name.length },
    );
  });

  it(`ran ${TOTAL_CASES} cases, some of them valid`, () => {
    expect(cases).toBe(TOTAL_CASES);
    // The generator must reach past validation, or the run proves little.
    expect(stats.valid).toBeGreaterThan(TOTAL_CASES / 20);
    expect(stats.sent).toBeGreaterThan(TOTAL_CASES / 20);
    expect(stats.ok).toBeGreaterThan(0);
    if (process.env.FUZZ_STATS) console.log(stats);
  });
});
