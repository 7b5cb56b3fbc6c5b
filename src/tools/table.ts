import type { ToolDef } from "./types.js";

const destructiveCell = (tool: ToolDef): string =>
  tool.destructive === true ? "yes" : tool.destructive === false ? "" : "some args";

/** The README's tool table, generated so it cannot drift from the catalog. */
export function toolsTable(tools: readonly ToolDef[]): string {
  const rows = tools.map(
    (t) =>
      `| \`${t.name}\` | ${t.toolset} | \`${t.method} /v1${t.path}\` | ${t.access} | ${destructiveCell(t)} |`,
  );
  return [
    "| tool | toolset | method and path | access | destructive |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
