// The HTTP baseline: the SDK's documented stateless pattern (a new server and transport for every
// request) with one tool making the same sandbox call through the same Fly client, and nothing else
// (no keys, Host checks, gate or audit). It is what a plain SDK server gives under the same clients.
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import type { FlyClient } from "../src/fly/client.js";

function baselineServer(fly: FlyClient): McpServer {
  const server = new McpServer({ name: "baseline", version: "1.0.0" });
  server.registerTool(
    "apps_get",
    { description: "Get an app.", inputSchema: { app_name: z.string() } },
    async ({ app_name }) => {
      const res = await fly.request({
        method: "GET",
        path: `/apps/${app_name}`,
        action: "apps_get",
        app: app_name,
      });
      return { content: [{ type: "text", text: JSON.stringify(res.data) }] };
    },
  );
  return server;
}

export async function startBaselineServer(fly: FlyClient): Promise<{ url: URL; close(): Promise<void> }> {
  const http = createHttpServer(async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const server = baselineServer(fly);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
}
