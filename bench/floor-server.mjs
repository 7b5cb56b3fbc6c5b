// The floor: the smallest useful MCP server on the same SDK, stdio. With FLY_API_HOSTNAME set it
// also has apps_get, making the same call through the same Fly client as ours, with no gate,
// audit, validation beyond the SDK's or result shaping: the per-call floor.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "floor", version: "1.0.0" });
server.registerTool(
  "echo",
  { description: "Echo the text back.", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text }] }),
);
if (process.env.FLY_API_HOSTNAME) {
  const { createFlyClient } = await import("../dist/fly/client.js");
  const fly = createFlyClient({
    baseUrl: process.env.FLY_API_HOSTNAME,
    token: process.env.FLY_API_TOKEN ?? "",
    userAgent: "floor",
    rateLimits: false,
    retry: false,
  });
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
}
await server.connect(new StdioServerTransport());
