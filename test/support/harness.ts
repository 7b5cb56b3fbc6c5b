import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpServer } from "@modelcontextprotocol/server";
import { createFlyClient } from "../../src/fly/client.js";
import { silentLogger } from "../../src/log.js";
import { createAccessControl } from "../../src/policy/access-control.js";
import type { AuditEntry } from "../../src/policy/audit.js";
import { type AccessControl, type AuditSink, createServer, type ServerOptions } from "../../src/server.js";
import { coreTools } from "../../src/tools/index.js";
import { USER_AGENT } from "../../src/version.js";
import { MOCK_BASE_URL, MOCK_TOKEN } from "./fly-mock.js";

/** A real MCP client linked in memory to a server built from the catalog. */
export async function connect(
  server: McpServer,
  capabilities: Record<string, unknown> = {},
): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test-client", version: "1.0.0" }, { capabilities });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

/** An agent that may do everything, stated explicitly: the server has no allow-all default. */
export function fullAccess(): AccessControl {
  return createAccessControl({
    scope: "org",
    policy: {
      name: "local",
      access: ["read", "write", "exec", "admin"],
      apps: "*",
      destructive: "allow",
      reveal_secrets: true,
    },
  });
}

/** An audit sink that keeps entries in memory, in order. */
export function memoryAudit(): AuditSink & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return { entries, record: (entry) => void entries.push(entry) };
}

export function mockedServer(overrides: Partial<ServerOptions> = {}): McpServer {
  return createServer({
    access: fullAccess(),
    audit: memoryAudit(),
    tools: coreTools,
    // Retries and rate limits have their own suites (test/fly); here each call is one exchange.
    fly: createFlyClient({
      baseUrl: MOCK_BASE_URL,
      token: MOCK_TOKEN,
      userAgent: USER_AGENT,
      retry: false,
      rateLimits: false,
    }),
    logger: silentLogger(),
    ...overrides,
  });
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

export const textOf = (result: CallToolResult): string =>
  result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
