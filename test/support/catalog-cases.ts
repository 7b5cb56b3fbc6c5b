import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Ajv } from "ajv";
import { expect } from "vitest";
import type { ToolDef } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import type { FlyMock } from "./fly-mock.js";
import { call, connect, mockedServer, textOf } from "./harness.js";
import { validateRequest } from "./openapi-spec.js";

/** One tool call: what the agent passes, what must reach Fly, and what the agent must (not) see. */
export interface CatalogCase {
  tool: string;
  args: Record<string, unknown>;
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  reply?: () => Response;
  /** What the agent must see in the result text. */
  sees: string[];
  /** What it must not see. */
  hidden?: string[];
  /** Requests the tool makes after the main one (e.g. reading a new app until Fly shows it). */
  followUps?: Array<{ method: string; path: string }>;
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/**
 * Calls the tool through a real MCP client and server against the Fly mock, then checks the one
 * request it sent (method, path, query, headers, body, auth, user agent, the spec) and the result text.
 */
export async function expectCatalogCase(
  fly: FlyMock,
  c: CatalogCase,
  tools?: readonly ToolDef[],
): Promise<void> {
  if (c.reply) fly.reply(c.method, c.path, c.reply);
  const client = await connect(mockedServer(tools ? { tools } : {}));
  const result = await call(client, c.tool, c.args);
  const text = textOf(result);

  expect(result.isError, text).toBeFalsy();
  expect(fly.requests.slice(1).map((r) => ({ method: r.method, path: r.url.pathname }))).toEqual(
    c.followUps ?? [],
  );
  const sent = fly.requests[0]!;
  expect(sent.method).toBe(c.method);
  expect(sent.url.pathname).toBe(c.path);
  expect(Object.fromEntries(sent.url.searchParams)).toEqual(c.query ?? {});
  expect(sent.body).toEqual(c.body);
  expect(sent.headers.get("authorization")).toBe(fly.authorization);
  expect(sent.headers.get("user-agent")).toBe(USER_AGENT);
  for (const [name, value] of Object.entries(c.headers ?? {})) expect(sent.headers.get(name)).toBe(value);
  if (!c.headers?.["fly-machine-lease-nonce"]) expect(sent.headers.get("fly-machine-lease-nonce")).toBeNull();
  for (const r of fly.requests) {
    expect(validateRequest({ method: r.method, url: r.url, headers: r.headers, body: r.body })).toEqual([]);
  }

  await expectDeclaredShape(client, c.tool, result);
  for (const s of c.sees) expect(text).toContain(s);
  for (const h of c.hidden ?? []) expect(text).not.toContain(h);
  expect(text).not.toContain(fly.token);
  await client.close();
}

const ajv = new Ajv({ strict: false, allErrors: true });
const listed = new WeakMap<Client, ReturnType<Client["listTools"]>>();

/**
 * A result carries one shape: structuredContent, when present, is the object the text spells out,
 * and a tool that publishes an outputSchema answers structuredContent that validates against it.
 */
export async function expectDeclaredShape(
  client: Client,
  name: string,
  result: CallToolResult,
): Promise<void> {
  if (result.isError) return;
  const text = textOf(result);
  const spelled = text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : undefined;
  if (result.structuredContent && spelled !== undefined) {
    expect(spelled, `${name}: text and structure differ`).toEqual(result.structuredContent);
  }
  if (!listed.has(client)) listed.set(client, client.listTools());
  const { tools } = await listed.get(client)!;
  const schema = tools.find((t) => t.name === name)?.outputSchema;
  if (!schema) return;
  expect(
    result.structuredContent,
    `${name} declares an output schema but sent no structuredContent`,
  ).toBeDefined();
  const validate = ajv.compile(schema);
  expect(validate(result.structuredContent), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}
