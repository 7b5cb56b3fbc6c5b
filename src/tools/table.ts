import type { ToolDef } from "./types.js";

/** `yes`, `some args` (e.g. SIGKILL), `by state` (read first, e.g. an existing secret), or blank. */
const destructiveCell = (tool: ToolDef): string => {
  if (tool.destructive === true) return "yes";
  if (typeof tool.destructive === "function") return "some args";
  return tool.losses ? "by state" : "";
};

/** The README's tool table, generated so it cannot drift from the catalog. */
export function toolsTable(tools: readonly ToolDef[]): string {
  const rows = tools.map(
    (t) =>
      `| \`${t.name}\` | ${t.toolset} | \`${t.method} /v1${t.path}\` | ${t.access} | ${t.reach} | ${destructiveCell(t)} |`,
  );
  return [
    "| tool | toolset | method and path | access | reach | destructive |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
