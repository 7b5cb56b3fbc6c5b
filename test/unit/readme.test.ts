import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allTools } from "../../src/tools/index.js";
import { toolsTable } from "../../src/tools/table.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("carries the tool table generated from the catalog (npm run docs:tools)", () => {
    expect(readme).toContain(toolsTable(allTools));
  });

  it("starts with the two commands for a fresh machine", () => {
    const firstLines = readme.split("\n").slice(0, 12).join("\n");
    expect(firstLines).toContain("npm ci && npm run demo");
    expect(firstLines).toContain("npm ci && npm test");
  });
});
