// biome-ignore-all lint/suspicious/noTemplateCurlyInString: client configs spell environment references as ${NAME}
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parse } from "jsonc-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigOptions, ConfigUsageError, runConfig } from "../../src/clients/command.js";
import { CLIENTS } from "../../src/clients/entries.js";
import { clientsDocs } from "../../src/clients/readme.js";
import { textOf } from "../support/harness.js";
import { callOverStdio } from "../support/stdio-call.js";

// biome-ignore lint/suspicious/noExplicitAny: nested config documents are read field by field
type Json = Record<string, any>;
const defaults: ConfigOptions = { name: "fly", keyEnv: "FLY_MCP_KEY" };

function printed(client: string, flags: string[], opts: Partial<ConfigOptions> = {}) {
  let out = "";
  let err = "";
  runConfig(client, flags, { ...defaults, ...opts }, { out: (s) => (out += s), err: (s) => (err += s) });
  return { json: out ? (JSON.parse(out) as Json) : {}, out, err };
}

// A key-shaped secret in the environment: none of it may reach printed or written config.
const SECRET = ["sk", "live", "0123456789abcdef"].join("_");
beforeEach(() => {
  process.env.FLY_MCP_KEY = SECRET;
  process.env.FLY_API_TOKEN = `FlyV1 fm2_${SECRET}`;
});
afterEach(() => {
  delete process.env.FLY_MCP_KEY;
  delete process.env.FLY_API_TOKEN;
});

describe("config <client>, remote entries", () => {
  const url = "https://mcp.example.com/mcp";
  it("Claude Code gets type http (it ignores an HTTP entry without it) and an env reference for the key", () => {
    const { json } = printed("claude-code", [], { url });
    expect(json.mcpServers.fly).toEqual({
      type: "http",
      url,
      headers: { Authorization: "Bearer ${FLY_MCP_KEY}" },
    });
  });
  it("Windsurf gets serverUrl, not url", () => {
    const entry = printed("windsurf", [], { url }).json.mcpServers.fly;
    expect(entry.serverUrl).toBe(url);
    expect(entry.url).toBeUndefined();
    expect(entry.headers.Authorization).toBe("Bearer ${env:FLY_MCP_KEY}");
  });
  it("Claude Desktop, which cannot use a url entry, gets the mcp-remote stdio bridge", () => {
    const entry = printed("claude-desktop", [], { url }).json.mcpServers.fly;
    expect(entry.url).toBeUndefined();
    expect(entry.command).toBe("npx");
    expect(entry.args).toEqual(["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"]);
    expect(entry.env.AUTH_HEADER).toBe("Bearer <agent key>");
  });
  it("VS Code gets servers with type http and prompts for the key as a password input", () => {
    const { json } = printed("vscode", [], { url });
    expect(json.servers.fly).toEqual({
      type: "http",
      url,
      headers: { Authorization: "Bearer ${input:fly-mcp-key}" },
    });
    expect(json.inputs).toEqual([
      expect.objectContaining({ id: "fly-mcp-key", type: "promptString", password: true }),
    ]);
  });
  it("Cursor gets url and headers with an env reference", () => {
    expect(printed("cursor", [], { url }).json.mcpServers.fly).toEqual({
      url,
      headers: { Authorization: "Bearer ${env:FLY_MCP_KEY}" },
    });
  });
  it("never prints the key or the token, for any client", () => {
    for (const client of CLIENTS) {
      for (const run of [printed(client, [], { url }), printed(client, ["--access", "write"])]) {
        expect(run.out + run.err).not.toContain(SECRET);
      }
    }
  });
  it("refuses a key value in --key-env, a URL with credentials, and an unknown client", () => {
    expect(() => printed("cursor", [], { url, keyEnv: SECRET.replaceAll("_", "-") })).toThrow(
      /NAME of an environment variable/,
    );
    expect(() => printed("cursor", [], { url: "https://u:p@mcp.example.com/mcp" })).toThrow(ConfigUsageError);
    expect(() => printed("zed", [])).toThrow(/one of claude-desktop, claude-code, cursor, vscode, windsurf/);
  });
});

describe("config <client>, local entries", () => {
  it("runs this install by absolute paths with the flags given, the token by reference", () => {
    const entry = printed("cursor", ["--access", "write", "--app", "my-app"]).json.mcpServers.fly;
    expect(entry.command).toBe(process.execPath);
    expect(isAbsolute(entry.args[0])).toBe(true);
    expect(entry.args[0]).toMatch(/cli\.(js|ts)$/);
    expect(entry.args.slice(1)).toEqual(["--access", "write", "--app", "my-app"]);
    expect(entry.env).toEqual({ FLY_API_TOKEN: "${env:FLY_API_TOKEN}" });
    expect(printed("claude-desktop", []).json.mcpServers.fly.env.FLY_API_TOKEN).toMatch(/^<a Fly token/);
    expect(printed("cursor", ["--sandbox"]).json.mcpServers.fly.env).toBeUndefined();
  });

  it("the entry the built CLI prints starts a working server", async () => {
    const out = execFileSync(process.execPath, ["dist/cli.js", "config", "claude-code", "--", "--sandbox"], {
      encoding: "utf8",
    });
    const entry = (JSON.parse(out) as Json).mcpServers.fly;
    expect(entry.args[0]).toBe(resolve("dist/cli.js"));
    const result = await callOverStdio(entry.command, entry.args, "apps_get", { app_name: "demo-app" });
    expect(result.isError, textOf(result)).toBeFalsy();
  });
});

describe("config <client> --write", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "fly-mcp-config-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const vscodeSettings = `{
  // my own comment
  "inputs": [{ "type": "promptString", "id": "other", "description": "x" }],
  "servers": {
    "other": { "type": "stdio", "command": "other-server" }, // keep me
  },
}
`;

  it("merges into a JSONC file: comments, other servers and inputs kept, a backup made", () => {
    const file = join(dir, ".vscode", "mcp.json");
    mkdirSync(join(dir, ".vscode"));
    writeFileSync(file, vscodeSettings);
    const { err } = printed("vscode", [], { write: true, file, url: "https://mcp.example.com/mcp" });
    const text = readFileSync(file, "utf8");
    expect(text).toContain("// my own comment");
    expect(text).toContain("// keep me");
    const doc = parse(text) as Json;
    expect(doc.servers.other).toEqual({ type: "stdio", command: "other-server" });
    expect(doc.servers.fly.type).toBe("http");
    expect(doc.inputs.map((i: Json) => i.id)).toEqual(["other", "fly-mcp-key"]);
    const backups = readdirSync(join(dir, ".vscode")).filter((f) => f.endsWith(".bak"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, ".vscode", backups[0]!), "utf8")).toBe(vscodeSettings);
    expect(err).toContain("previous version kept");
    expect(text).not.toContain(SECRET);
  });

  it("creates a missing file and its folder", () => {
    const file = join(dir, "deep", "mcp.json");
    printed("cursor", ["--sandbox"], { write: true, file });
    expect((parse(readFileSync(file, "utf8")) as Json).mcpServers.fly.args).toContain("--sandbox");
  });

  it("refuses to replace an entry of the same name unless --force, and leaves the file untouched", () => {
    const file = join(dir, "mcp.json");
    printed("windsurf", ["--sandbox"], { write: true, file });
    const before = readFileSync(file, "utf8");
    expect(() => printed("windsurf", [], { write: true, file, url: "https://a.example/mcp" })).toThrow(
      /--force/,
    );
    expect(readFileSync(file, "utf8")).toBe(before);
    printed("windsurf", [], { write: true, file, url: "https://a.example/mcp", force: true });
    expect((parse(readFileSync(file, "utf8")) as Json).mcpServers.fly.serverUrl).toBe(
      "https://a.example/mcp",
    );
  });

  it("refuses a file that is not JSON, naming it, and writes nothing", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    expect(() => printed("claude-code", [], { write: true, file })).toThrow(/broken\.json: not valid JSON/);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
    expect(readdirSync(dir)).toEqual(["broken.json"]);
  });
});

describe("README client config", () => {
  it("carries the section generated from the same entries (npm run docs:clients)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(clientsDocs());
  });
});
