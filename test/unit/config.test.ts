import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../../src/config.js";
import { TOOLSET_NAMES } from "../../src/tools/default-toolsets.js";
import { toolsets } from "../../src/tools/index.js";

describe("configuration", () => {
  it("needs a token unless in sandbox mode, and says how to fix it", () => {
    expect(() => resolveConfig({}, {})).toThrow(ConfigError);
    expect(() => resolveConfig({}, {})).toThrow(/FLY_API_TOKEN.*--sandbox/);
    expect(resolveConfig({ sandbox: true }, {}).sandbox).toBe(true);
  });

  it("reads the environment, and flags win over it", () => {
    const env = { FLY_API_TOKEN: "t", FLY_APP_NAME: "env-app", FLY_ORG_SLUG: "acme", FLY_MCP_TOOLSETS: "core,snapshots" };
    const c = resolveConfig({}, env);
    expect(c).toMatchObject({ app: "env-app", org: "acme", toolsets: ["core", "snapshots"], access: "read", destructive: "confirm", tokenScope: "auto" });
    expect(resolveConfig({ app: "flag-app" }, env).app).toBe("flag-app");
  });

  it("names the setting that is wrong", () => {
    expect(() => resolveConfig({ app: "Bad_App" }, { FLY_API_TOKEN: "t" })).toThrow(/--app \/ FLY_MCP_APP: app names are lowercase/);
    expect(() => resolveConfig({}, { FLY_API_TOKEN: "t", FLY_API_HOSTNAME: "not a url" })).toThrow(/FLY_API_HOSTNAME/);
    expect(() => resolveConfig({ tokenScope: "deploy" }, { FLY_API_TOKEN: "t" })).toThrow(/needs --app/);
    expect(() => resolveConfig({ port: "99999" }, { FLY_API_TOKEN: "t" })).toThrow(/--port/);
    expect(() => resolveConfig({ toolsets: "core,certs" }, { FLY_API_TOKEN: "t" })).toThrow(
      /--toolsets \/ FLY_MCP_TOOLSETS: unknown toolset; the toolsets are all, core, platform/,
    );
    expect(resolveConfig({ toolsets: "all" }, { FLY_API_TOKEN: "t" }).toolsets).toEqual(["all"]);
  });

  it("knows every toolset of the catalog by name, and no other", () => {
    expect([...TOOLSET_NAMES].sort()).toEqual(toolsets().sort());
  });
});
