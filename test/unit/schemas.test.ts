import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { allTools } from "../../src/tools/index.js";
import { portableSchema } from "../../src/tools/portable.js";
import { jsonSchemaOf } from "../../src/tools/present.js";
import { connect, mockedServer } from "../support/harness.js";

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

// Keywords that constrain a value (after the MCP Inspector's portability check): a schema with none accepts anything.
const CONSTRAINING = [
  "type",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "$ref",
  "properties",
  "items",
  "required",
];

/** The Inspector's portability findings: `type` arrays, and subschemas that constrain nothing. */
function unportable(node: unknown, path: string, out: string[]): string[] {
  if (!isJson(node)) return out;
  if (Array.isArray(node.type)) out.push(`${path}: type is an array`);
  if (path !== "" && !Object.keys(node).some((k) => CONSTRAINING.includes(k)))
    out.push(`${path}: accepts anything`);
  for (const key of ["properties", "patternProperties", "definitions", "$defs"]) {
    if (isJson(node[key]))
      for (const [k, v] of Object.entries(node[key])) unportable(v, `${path}.${key}.${k}`, out);
  }
  for (const key of ["anyOf", "oneOf", "allOf", "prefixItems"]) {
    if (!Array.isArray(node[key])) continue;
    for (const [i, v] of (node[key] as unknown[]).entries()) unportable(v, `${path}.${key}[${i}]`, out);
  }
  for (const key of ["items", "additionalProperties", "not", "propertyNames"])
    unportable(node[key], `${path}.${key}`, out);
  return out;
}

describe("published tool schemas", () => {
  it("are portable: no type arrays and no free-form {} anywhere, input or output", async () => {
    for (const defaults of [{}, { app_name: "demo-app", org_slug: "personal" }]) {
      const client = await connect(mockedServer({ tools: allTools, defaults }));
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(allTools.length);
      const findings = tools.flatMap((t: Tool) => [
        ...unportable(t.inputSchema, `${t.name} input`, []),
        ...unportable(t.outputSchema, `${t.name} output`, []),
      ]);
      expect(findings).toEqual([]);
      await client.close();
    }
  });

  it("declare an output schema for every list and for exec, tokens and leases", async () => {
    const client = await connect(mockedServer({ tools: allTools }));
    const { tools } = await client.listTools();
    const declared = new Set(tools.filter((t) => t.outputSchema).map((t) => t.name));
    for (const name of [
      "apps_list",
      "machines_list",
      "machines_events",
      "machines_versions",
      "machines_processes",
      "volumes_list",
      "volumes_snapshots_list",
      "certificates_list",
      "org_machines_list",
      "org_volumes_list",
      "platform_regions_list",
      "machines_exec",
      "tokens_request_oidc",
      "tokens_request_kms",
      "tokens_authenticate",
      "leases_acquire",
      "leases_get",
    ]) {
      expect(declared, name).toContain(name);
    }
    await client.close();
  });
});

describe("portableSchema", () => {
  const source = z.object({
    nullable: z.string().nullable(),
    either: z.union([z.string(), z.number()]),
    map: z.record(z.string(), z.unknown()),
    loose: z.looseObject({ n: z.number() }),
  });
  const raw = z.toJSONSchema(source, { target: "draft-7", io: "input" }) as Json;
  const portable = jsonSchemaOf(source);

  it("rewrites zod's nullable and free-form spellings", () => {
    expect(unportable(raw, "", [])).not.toEqual([]);
    expect(unportable(portable, "", [])).toEqual([]);
    expect((portable.properties as Json).nullable).toEqual({ anyOf: [{ type: "string" }, { type: "null" }] });
    expect((portable.properties as Json).map).toEqual({ type: "object", propertyNames: { type: "string" } });
  });

  it("accepts exactly the values the original schema accepts", () => {
    const ajv = new Ajv({ strict: false });
    const before = ajv.compile(raw);
    const after = ajv.compile(portable);
    const base = { nullable: "x", either: 1, map: { a: [1] }, loose: { n: 1, extra: true } };
    const values = [
      base,
      { ...base, nullable: null },
      { ...base, nullable: 3 },
      { ...base, either: "s" },
      { ...base, either: true },
      { ...base, map: { a: null } },
      { ...base, map: [] },
      { ...base, loose: { n: "1" } },
      { ...base, loose: { extra: 1 } },
    ];
    for (const value of values) expect(after(value), JSON.stringify(value)).toBe(before(value));
  });

  it("keeps an existing anyOf alongside a type array", () => {
    const both = portableSchema({ type: ["string", "null"], anyOf: [{ minLength: 2 }, { type: "null" }] });
    expect(both).toEqual({
      anyOf: [{ minLength: 2 }, { type: "null" }],
      allOf: [{ anyOf: [{ type: "string" }, { type: "null" }] }],
    });
  });
});
