import { describe, expect, it } from "vitest";
import { INPUT_LIMITS, inputBoundsProblem } from "../../src/policy/input-bounds.js";

/** An object whose innermost object sits `levels` keys below the top. */
const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe("input bounds", () => {
  it("the limits are the documented ones", () => {
    expect(INPUT_LIMITS).toEqual({ depth: 32, nodes: 20_000, stringChars: 4 * 1024 * 1024 });
  });

  it("nesting: an object 31 keys down passes, 32 down is refused with its path cut after 6 parts", () => {
    expect(inputBoundsProblem(nested(31))).toBeUndefined();
    expect(inputBoundsProblem(nested(32))).toBe(
      "a.a.a.a.a.a...: nested deeper than 32 levels; no Fly API field needs that, flatten the value",
    );
    // Arrays count as levels too, and a short path is shown whole.
    let deep: unknown = [];
    for (let i = 0; i < 32; i++) deep = [deep];
    expect(inputBoundsProblem(deep)).toMatch(/^\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]\.\.\.: nested deeper than 32/);
    // A string that deep is a leaf, not a level.
    let leaf: Record<string, unknown> = { a: "x" };
    for (let i = 0; i < 31; i++) leaf = { a: leaf };
    expect(inputBoundsProblem(leaf)).toBeUndefined();
  });

  it("values in all: 20,000 pass, one more is refused", () => {
    // The top object is one value, each item one more.
    expect(inputBoundsProblem({ list: Array(19_998).fill(1) })).toBeUndefined();
    expect(inputBoundsProblem({ list: Array(19_999).fill(1) })).toBe(
      "arguments: more than 20000 values in all; send less at once",
    );
  });

  it("strings: 4 MiB pass, one character more is refused, naming the field", () => {
    const max = 4 * 1024 * 1024;
    expect(inputBoundsProblem({ files: [{ raw_value: "x".repeat(max) }] })).toBeUndefined();
    expect(inputBoundsProblem({ files: [{ raw_value: "x".repeat(max + 1) }] })).toBe(
      `files[0].raw_value: longer than ${max} characters; send less at once`,
    );
    expect(inputBoundsProblem("x".repeat(max + 1))).toBe(
      `arguments: longer than ${max} characters; send less at once`,
    );
  });

  it("reports the first problem in document order", () => {
    const max = 4 * 1024 * 1024;
    expect(inputBoundsProblem({ a: "x".repeat(max + 1), b: "y".repeat(max + 1) })).toMatch(/^a: /);
    expect(inputBoundsProblem({ a: 1, b: nested(40) })).toMatch(/^b\.a\.a\.a\.a\.a\.\.\.: nested/);
  });

  it("plain values and null pass", () => {
    for (const value of [null, undefined, 0, "", true, { a: null }])
      expect(inputBoundsProblem(value)).toBeUndefined();
  });
});
