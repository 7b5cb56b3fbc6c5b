import { describe, expect, it } from "vitest";
import { type AuditEntry, auditLine } from "../../src/policy/audit.js";

const at = () => new Date("2026-03-04T05:06:07.000Z");
const line = (entry: AuditEntry, tool?: { sensitive?: string[] }) => auditLine(entry, tool, [], at);
const argsOf = (entry: Omit<AuditEntry, "agent" | "tool" | "decision">, tool?: { sensitive?: string[] }) =>
  (JSON.parse(line({ agent: "ci", tool: "t", decision: "allow", ...entry }, tool)) as { args: unknown }).args;

/** `{ a: { a: ... leaf } }`, `levels` objects deep. */
const chain = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe("the exact text of an audit line", () => {
  it("is one JSON object on one line: level, time and event first, then the entry's fields", () => {
    expect(
      line({ agent: "ci", tool: "apps_get", app: "demo", decision: "allow", status: 200, durationMs: 12 }),
    ).toBe(
      '{"level":"info","time":"2026-03-04T05:06:07.000Z","event":"tool_call","agent":"ci","tool":"apps_get","app":"demo","decision":"allow","status":200,"durationMs":12}\n',
    );
  });

  it("an entry whose event is left undefined is a tool_call line", () => {
    expect(
      line({ event: undefined, agent: "ci", tool: "apps_list", decision: "deny", reason: undefined }),
    ).toBe(
      '{"level":"info","time":"2026-03-04T05:06:07.000Z","event":"tool_call","agent":"ci","tool":"apps_list","decision":"deny"}\n',
    );
  });

  it("keeps the event it is given", () => {
    expect(line({ event: "tool_result", agent: "ci", tool: "apps_list", decision: "allow" })).toBe(
      '{"level":"info","time":"2026-03-04T05:06:07.000Z","event":"tool_result","agent":"ci","tool":"apps_list","decision":"allow"}\n',
    );
  });

  it("a reason of 2048 characters is written whole, a longer one is cut and says by how much", () => {
    const whole = JSON.parse(line({ agent: "ci", tool: "t", decision: "deny", reason: "r".repeat(2048) }));
    expect(whole.reason).toBe("r".repeat(2048));
    const cut = JSON.parse(
      line({ agent: "ci", tool: "t", decision: "deny", reason: `${"r".repeat(2048)}xyz` }),
    );
    expect(cut.reason).toBe(`${"r".repeat(2048)}...[3 more chars]`);
  });

  it("an argument string over the limit is cut the same way", () => {
    expect(argsOf({ args: { note: `${"n".repeat(2048)}tail` } })).toEqual({
      note: `${"n".repeat(2048)}...[4 more chars]`,
    });
    expect(argsOf({ args: { note: "n".repeat(2048) } })).toEqual({ note: "n".repeat(2048) });
  });
});

describe("arguments in an audit line", () => {
  it("a bigint is written as its digits rather than failing the line", () => {
    expect(argsOf({ args: { size: 12345678901234567890n } as never })).toEqual({
      size: "12345678901234567890",
    });
  });

  it("null and missing values are kept as they are, even under secret field names", () => {
    expect(
      argsOf({ args: { password: null, env: null, values: undefined, app_name: "a" } as never }),
    ).toEqual({
      password: null,
      env: null,
      app_name: "a",
    });
  });

  it("a `values` or `env` field that is not a map is hidden whole", () => {
    expect(argsOf({ args: { values: "A=1", env: ["A=1", "B=2"] } })).toEqual({
      values: "[redacted]",
      env: "[redacted]",
    });
  });

  it("a sensitive name ending in [] hides the whole list", () => {
    expect(argsOf({ args: { command: ["sh", "-c", "env"] } }, { sensitive: ["command[]"] })).toEqual({
      command: "[redacted]",
    });
  });

  it("objects are followed 11 levels below the arguments; the 12th is cut", () => {
    expect(argsOf({ args: chain(12, { leaf: 1 }) as never })).toEqual(chain(12, "[too deep]"));
    expect(argsOf({ args: chain(11, { leaf: 1 }) as never })).toEqual(chain(11, { leaf: 1 }));
  });

  it("objects nested thousands deep are cut, not a stack overflow", () => {
    expect(() =>
      line({ agent: "ci", tool: "t", decision: "allow", args: chain(20_000, 1) as never }),
    ).not.toThrow();
  });

  it("a list of 200 items is written whole; the 201st is counted, not written", () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(argsOf({ args: { ids: list(200) } })).toEqual({ ids: list(200) });
    expect(argsOf({ args: { ids: list(201) } })).toEqual({ ids: [...list(200), "[1 more items]"] });
  });

  it("an object of 200 fields is written whole; past that the extra fields are counted", () => {
    const fields = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(argsOf({ args: { labels: fields(200) } })).toEqual({ labels: fields(200) });
    expect(argsOf({ args: { labels: fields(203) } })).toEqual({
      labels: { ...fields(200), "[more]": "3 more fields" },
    });
  });

  it("an env map keeps at most 200 names", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `VAR_${i}`);
    const env = Object.fromEntries(names(205).map((k) => [k, "v"]));
    expect(argsOf({ args: { env } })).toEqual({
      env: Object.fromEntries(names(200).map((k) => [k, "[redacted]"])),
    });
  });
});
