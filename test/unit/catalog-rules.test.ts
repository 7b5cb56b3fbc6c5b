import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { allTools } from "../../src/tools/index.js";
import { annotationsOf } from "../../src/tools/present.js";
import { pathParams } from "../../src/tools/request.js";
import { findOperation } from "../support/openapi-spec.js";

// Rules that hold for every tool at once: adding a tool without them fails here.
describe.each(allTools.map((t) => [t.name, t] as const))("%s", (_name, tool) => {
  const shape = tool.input.shape as Record<string, z.ZodType>;

  it("is named <resource>_<action> in snake_case and says what it does in one short line", () => {
    expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
    expect(tool.title.length).toBeGreaterThan(3);
    expect(tool.description.length).toBeGreaterThan(20);
    expect(tool.description.length).toBeLessThanOrEqual(200);
    expect(tool.description).not.toContain("\n");
  });

  it("describes every input field", () => {
    for (const [field, schema] of Object.entries(shape)) expect(schema.description, field).toBeTruthy();
  });

  it("maps only fields it declares, each to one place", () => {
    const declared = new Set(Object.keys(shape));
    const mapped = [
      ...pathParams(tool.path),
      ...(tool.query ?? []).map((q) => q.replace(/\.\*$/, "")),
      ...(tool.body ?? []),
      ...Object.keys(tool.headers ?? {}),
    ];
    for (const field of mapped) expect(declared.has(field), field).toBe(true);
    expect(new Set(mapped).size).toBe(mapped.length);
    for (const field of tool.sensitive ?? []) expect(declared.has(field), field).toBe(true);
  });

  it("validates every path parameter before it reaches a URL", () => {
    for (const field of pathParams(tool.path)) {
      const schema = shape[field]!;
      for (const bad of ["../apps", "a/b", "a%2Fb", "", "a b", ".."]) {
        expect(schema.safeParse(bad).success, `${field}=${JSON.stringify(bad)}`).toBe(false);
      }
    }
  });

  it("matches an operation of Fly's OpenAPI spec", () => {
    const concrete = `/v1${tool.path.replace(/\{(\w+)\}/g, "x1")}`;
    expect(findOperation(tool.method, concrete), `${tool.method} ${tool.path}`).toBeDefined();
  });

  // Which tools carry which hint is stated by name in catalog-invariants and the catalog snapshot.
  it("publishes every MCP annotation as a boolean, open world", () => {
    const a = annotationsOf(tool);
    for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint"] as const)
      expect(typeof a[hint], hint).toBe("boolean");
    expect(a.openWorldHint).toBe(true);
  });
});
