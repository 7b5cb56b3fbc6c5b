import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { toolsTable } from "../../src/tools/table.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const mcpExample = readFileSync(new URL("../../mcp.json.example", import.meta.url), "utf8");
// The package is not on the npm registry: npx would fetch whatever holds the name there.
const npxOfOurs = /npx\b[^`"\n]*\bfly-machines-mcp\b|"npx"[^}]*"fly-machines-mcp"/s;

describe("README", () => {
  it("carries the tool table generated from the catalog (npm run docs:tools)", () => {
    expect(readme).toContain(toolsTable(allTools));
  });

  it("starts with the two commands for a fresh machine", () => {
    const firstLines = readme.split("\n").slice(0, 12).join("\n");
    expect(firstLines).toContain("npm ci && npm run demo");
    expect(firstLines).toContain("npm ci && npm test");
  });

  it("sends nobody to npx for this package except as the route once it is published", () => {
    const paragraphs = readme.split("\n\n").filter((p) => npxOfOurs.test(p));
    for (const paragraph of paragraphs) expect(paragraph).toMatch(/once the package is published/i);
    expect(mcpExample).not.toMatch(npxOfOurs);
    expect(mcpExample).not.toContain("npx");
  });
});
