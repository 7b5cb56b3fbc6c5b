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

/** What a real client would put on the wire. */
const onTheWire = (generated: Record<string, unknown>) =>
  JSON.parse(JSON.stringify(generated)) as Record<string, unknown>;

describe(`fuzzing every tool's input: ${RUNS_PER_TOOL} cases x ${allTools.length} tools = ${TOTAL_CASES} cases`, () => {
  it.each(allTools.map((t) => [t.name, t] as const))("%s", async (_, tool) => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(argsFor(tool), async (generated) => {
        cases++;
        const args = onTheWire(generated);
        const before = fly.requests.length;
        const result = await call(mcp(), tool.name, args);
        const text = textOf(result);
        const sent = fly.requests.slice(before);

        // Every answer, refusal included, tells the agent something.
        expect(text.trim()).not.toBe("");
        expect(text).not.toContain("Internal error");
        expect(text).not.toContain(fly.token);
        for (const req of sent) {
          expect(req.url.pathname.startsWith("/v1/")).toBe(true);
          expect(req.url.pathname.split("/")).not.toContain("..");
        }

        const parsed = tool.input.safeParse(args);
        if (!parsed.success) {
          expect(result.isError).toBe(true);
          expect(sent).toHaveLength(0);
          const named = fieldsNamed(parsed.error.issues);
          if (named.length > 0) expect(named.some((f) => text.includes(f))).toBe(true);
        }
      }),
      { numRuns: RUNS_PER_TOOL, seed: SEED + tool.name.length },
    );
    expect(cases).toBe(RUNS_PER_TOOL);
  });

  // Stands on its own (no totals carried over from the cases above), so it holds in any order
  // and when run alone with -t.
  it("the generator reaches past validation: valid inputs are sent and answered", async () => {
    let valid = 0;
    let sent = 0;
    let ok = 0;
    for (const tool of allTools) {
      const samples = fc.sample(argsFor(tool), { numRuns: RUNS_PER_TOOL, seed: SEED + tool.name.length });
      const accepted = samples.map(onTheWire).filter((args) => tool.input.safeParse(args).success);
      valid += accepted.length;
      if (accepted.length === 0) continue;
      const before = fly.requests.length;
      const result = await call(mcp(), tool.name, accepted[0]!);
      sent += fly.requests.length > before ? 1 : 0;
      ok += result.isError ? 0 : 1;
    }
    if (process.env.FUZZ_STATS) console.log({ valid, sent, ok });
    // Below these the run would prove little: nearly every case would stop at validation.
    expect(valid).toBeGreaterThan(TOTAL_CASES / 20);
    expect(sent).toBeGreaterThan(allTools.length / 4);
    expect(ok).toBeGreaterThan(0);
  });
});
