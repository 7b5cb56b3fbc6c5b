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
    const env = {
      FLY_API_TOKEN: "t",
      FLY_APP_NAME: "env-app",
      FLY_ORG_SLUG: "acme",
      FLY_MCP_TOOLSETS: "core,snapshots",
    };
    const c = resolveConfig({}, env);
    expect(c).toMatchObject({
      app: "env-app",
      org: "acme",
      toolsets: ["core", "snapshots"],
      access: "read",
      destructive: "confirm",
      tokenScope: "auto",
    });
    expect(resolveConfig({ app: "flag-app" }, env).app).toBe("flag-app");
  });

  it("takes the API base from FLY_FLAPS_BASE_URL as fly-go does, with FLY_API_HOSTNAME first", () => {
    const flaps = "http://flaps.example.test:4280";
    expect(resolveConfig({}, { FLY_API_TOKEN: "t", FLY_FLAPS_BASE_URL: flaps }).apiHostname).toBe(flaps);
    const both = {
      FLY_API_TOKEN: "t",
      FLY_FLAPS_BASE_URL: flaps,
      FLY_API_HOSTNAME: "https://api.example.test",
    };
    expect(resolveConfig({}, both).apiHostname).toBe("https://api.example.test");
    expect(() => resolveConfig({}, { FLY_API_TOKEN: "t", FLY_FLAPS_BASE_URL: "nope" })).toThrow(
      /FLY_FLAPS_BASE_URL/,
    );
  });

  it("names the setting that is wrong", () => {
    expect(() => resolveConfig({ app: "Bad_App" }, { FLY_API_TOKEN: "t" })).toThrow(
      /--app \/ FLY_MCP_APP: app names are lowercase/,
    );
    expect(() => resolveConfig({}, { FLY_API_TOKEN: "t", FLY_API_HOSTNAME: "not a url" })).toThrow(
      /FLY_API_HOSTNAME/,
    );
    expect(() => resolveConfig({ tokenScope: "deploy" }, { FLY_API_TOKEN: "t" })).toThrow(/needs --app/);
    expect(() => resolveConfig({ port: "99999" }, { FLY_API_TOKEN: "t" })).toThrow(/--port/);
    expect(() => resolveConfig({ toolsets: "core,certs" }, { FLY_API_TOKEN: "t" })).toThrow(
      /--toolsets \/ FLY_MCP_TOOLSETS: unknown toolset; the toolsets are all, core, platform/,
    );
    expect(resolveConfig({ toolsets: "all" }, { FLY_API_TOKEN: "t" }).toolsets).toEqual(["all"]);
  });

  it("the removed --dynamic-toolsets is refused, saying what replaced it", () => {
    expect(() => resolveConfig({ sandbox: true, dynamicToolsets: true }, {})).toThrow(
      /^--dynamic-toolsets was removed .*toolsets: \[core, certificates\] per agent in the policy file, or --toolsets core,certificates for the local agent$/,
    );
  });

  it("--confirm-fallback: deny by default, echo on request, nothing else", () => {
    expect(resolveConfig({ sandbox: true }, {}).confirmFallback).toBe("deny");
    expect(resolveConfig({ sandbox: true, confirmFallback: "echo" }, {}).confirmFallback).toBe("echo");
    expect(() => resolveConfig({ sandbox: true, confirmFallback: "yes" }, {})).toThrow(/--confirm-fallback/);
  });

  it("knows every toolset of the catalog by name, and no other", () => {
    expect([...TOOLSET_NAMES].sort()).toEqual(toolsets().sort());
  });

  it("an empty --apps (an unset shell variable) is an error, not every app", () => {
    expect(() => resolveConfig({ apps: "" }, { FLY_API_TOKEN: "t" })).toThrow(/--apps: is empty/);
    expect(() => resolveConfig({ apps: " , " }, { FLY_API_TOKEN: "t" })).toThrow(/--apps: is empty/);
    expect(resolveConfig({}, { FLY_API_TOKEN: "t" }).apps).toBeUndefined();
  });

  it("an empty --port is an error, not a random port", () => {
    expect(() => resolveConfig({ port: "" }, { FLY_API_TOKEN: "t" })).toThrow(
      /--port: must be a port number/,
    );
    expect(() => resolveConfig({ port: " " }, { FLY_API_TOKEN: "t" })).toThrow(/--port/);
  });

  it("on Fly (FLY_MACHINE_ID set), FLY_APP_NAME is the server's own app, not the default", () => {
    const onFly = { FLY_API_TOKEN: "t", FLY_MACHINE_ID: "148e1234abcd", FLY_APP_NAME: "mcp-server" };
    expect(resolveConfig({}, onFly)).toMatchObject({ app: undefined, ownApp: "mcp-server" });
    expect(resolveConfig({}, { ...onFly, FLY_MCP_APP: "web" })).toMatchObject({
      app: "web",
      ownApp: "mcp-server",
    });
    expect(resolveConfig({ app: "web" }, onFly).app).toBe("web");
    // Off Fly, FLY_APP_NAME still works as the default, and there is no own app.
    expect(resolveConfig({}, { FLY_API_TOKEN: "t", FLY_APP_NAME: "web" })).toMatchObject({
      app: "web",
      ownApp: undefined,
    });
  });

  it("a malformed token is refused without being echoed", () => {
    const token = ["fm2", "A".repeat(40)].join("_");
    let message = "";
    try {
      resolveConfig({}, { FLY_API_TOKEN: `${token}\n${token}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: FLY_API_TOKEN: contains a line break/);
    expect(message).not.toContain("AAAAAAAA");
  });
});
