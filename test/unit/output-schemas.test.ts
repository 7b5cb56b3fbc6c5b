import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { jsonSchemaOf, outputOf } from "../../src/tools/present.js";
import { jsonResponse as json, useFlyMock } from "../support/fly-mock.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";

type Json = Record<string, unknown>;
const spec = JSON.parse(
  readFileSync(new URL("../../spec/fly-machines-openapi.json", import.meta.url), "utf8"),
) as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>
  >;
  components: { schemas: Record<string, Json> };
};

const resolve = (s: Json): Json => {
  if (typeof s.$ref === "string") return resolve(spec.components.schemas[s.$ref.split("/").pop()!]!);
  if (Array.isArray(s.allOf) && s.allOf.length === 1) return resolve(s.allOf[0] as Json);
  return s;
};
const typeOf = (s: Json): unknown => {
  const r = resolve(s);
  if (Array.isArray(r.anyOf)) return (r.anyOf as Json[]).map((b) => b.type).find((t) => t !== "null");
  return r.type ?? (r.properties ? "object" : undefined);
};

/** The JSON body Fly's spec gives for a tool's successful answer. */
function specAnswer(method: string, path: string): Json | undefined {
  const op = spec.paths[`/v1${path}`]?.[method.toLowerCase()];
  const ok = Object.entries(op?.responses ?? {}).find(([code]) => code.startsWith("2"))?.[1];
  const schema = ok?.content?.["application/json"]?.schema;
  return schema && resolve(schema);
}

// Fields our answers add or spell differently from the spec, each with its reason.
const NOT_IN_SPEC: Record<string, string[]> = {
  // The answer to a wait that timed out (408) is ours.
  machines_wait: ["reached", "state_wanted"],
  // Our notes on a truncated stream and a non-zero exit.
  machines_exec: ["note", "failed"],
  // A list Fly answers as a bare array is `{items}`; the spec has no key for it.
  tokens_authenticate: ["items"],
  machines_processes: ["items"],
  machines_events: ["items"],
  machines_versions: ["items"],
  volumes_snapshots_list: ["items"],
  machines_list: ["machines"],
  volumes_list: ["volumes"],
};
// Every list may carry the next page's cursor (from a body field or the fly-next-cursor header).
const CURSOR = "next_cursor";
// Go's []byte goes over the wire as base64 text; Fly's spec says an array of integers.
const BYTES = new Set(["public_key", "ciphertext", "plaintext", "signature"]);

describe("output schemas", () => {
  it("declare, for every object answer, only fields Fly's spec has, with the spec's types", () => {
    const checked: string[] = [];
    const problems: string[] = [];
    for (const tool of allTools) {
      const output = outputOf(tool);
      const answer = specAnswer(tool.method, tool.path);
      if (!output || !answer || answer.type === "array") continue;
      const ours = (jsonSchemaOf(output, "output").properties ?? {}) as Record<string, Json>;
      const theirs = (answer.properties ?? {}) as Record<string, Json>;
      for (const [field, schema] of Object.entries(ours)) {
        if (field === CURSOR || NOT_IN_SPEC[tool.name]?.includes(field)) continue;
        if (!theirs[field]) problems.push(`${tool.name}.${field} is not in Fly's spec`);
        else if (typeOf(schema) !== (BYTES.has(field) ? "string" : typeOf(theirs[field])))
          problems.push(
            `${tool.name}.${field}: ${typeOf(schema)} where the spec has ${typeOf(theirs[field])}`,
          );
      }
      checked.push(tool.name);
    }
    expect(problems).toEqual([]);
    // Named, so a tool that loses its schema (or its spec answer) shows here.
    for (const name of ["machines_get", "apps_get", "volumes_get", "volumes_extend", "certificates_check"])
      expect(checked).toContain(name);
  });

  it("exist for every tool except writes Fly answers without a body", () => {
    const without = allTools.filter((t) => !outputOf(t)).map((t) => t.name);
    expect(without.sort()).toEqual(
      [
        "apps_create",
        "apps_delete",
        "certificates_delete",
        "ips_release",
        "leases_release",
        "machines_cordon",
        "machines_delete",
        "machines_metadata_delete_key",
        "machines_metadata_put",
        "machines_metadata_set_key",
        "machines_metadata_update",
        "machines_restart",
        "machines_signal",
        "machines_start",
        "machines_stop",
        "machines_suspend",
        "machines_uncordon",
        "postgres_attachments_delete",
        "postgres_backups_create",
        "postgres_clusters_delete",
        "postgres_extensions_disable",
        "postgres_extensions_enable",
        "postgres_users_delete",
        "postgres_users_update_role",
        "secretkeys_verify",
        "volumes_snapshots_create",
      ].sort(),
    );
  });
});

describe("an answer that does not match its output schema", () => {
  const fly = useFlyMock();

  it("still succeeds: the client gets the structure without the odd fields, the text has them all", async () => {
    fly.reply("GET", "/v1/apps/demo-app/machines/3d8d413b29d089", () =>
      json({ id: "3d8d413b29d089", state: null, region: "iad", events: "none", extra: { a: 1 } }),
    );
    const client = await connect(mockedServer());
    // The SDK client checks structuredContent against the output schema and throws when it does not match.
    const result = await call(client, "machines_get", { app_name: "demo-app", machine_id: "3d8d413b29d089" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: "3d8d413b29d089", region: "iad", extra: { a: 1 } });
    expect(JSON.parse(textOf(result))).toEqual({
      id: "3d8d413b29d089",
      state: null,
      region: "iad",
      events: "none",
      extra: { a: 1 },
    });
    await client.close();
  });

  it("leaves out an odd field inside a list item, and only that field", async () => {
    fly.reply("GET", "/v1/apps/demo-app/secrets", () =>
      json({
        secrets: [
          { name: "A", digest: 7 },
          { name: "B", digest: "d2" },
        ],
      }),
    );
    const client = await connect(mockedServer());
    const result = await call(client, "secrets_list", { app_name: "demo-app" });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ secrets: [{ name: "A" }, { name: "B", digest: "d2" }] });
    await client.close();
  });
});
