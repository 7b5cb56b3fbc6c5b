import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";

const env = { FLY_API_TOKEN: "t" };

describe("numbers in flags are plain decimal", () => {
  it.each(["0x50", "1e3", "80.5", "+80", "-1", "Infinity", "8O80", "65536", "0b101"])(
    "--port %s is refused, naming --port",
    (port) => {
      expect(() => resolveConfig({ port }, env)).toThrow(
        /^invalid configuration: --port: must be a port number/,
      );
    },
  );

  it.each([
    ["80", 80],
    ["65535", 65535],
    [" 8080 ", 8080],
    ["0", 0],
  ])("--port %s is %d", (port, expected) => {
    expect(resolveConfig({ port }, env).port).toBe(expected);
  });

  it("limits and timeouts take no hex or exponent either", () => {
    expect(() => resolveConfig({ maxSessions: "1e3" }, env)).toThrow(/--max-sessions/);
    expect(() => resolveConfig({ maxConnections: "0x10" }, env)).toThrow(/--max-connections/);
    expect(() => resolveConfig({ confirmTimeout: "3e2" }, env)).toThrow(/--confirm-timeout/);
    expect(resolveConfig({ maxSessions: "1000", confirmTimeout: "2.5" }, env)).toMatchObject({
      maxSessions: 1000,
      confirmTimeoutS: 2.5,
    });
  });
});

describe("FLY_API_HOSTNAME", () => {
  it.each(["ftp://api.example.test", "file:///etc/passwd", "ws://api.example.test", "javascript:alert(1)"])(
    "%s is refused, naming the variable",
    (url) => {
      expect(() => resolveConfig({}, { ...env, FLY_API_HOSTNAME: url })).toThrow(
        /^invalid configuration: FLY_API_HOSTNAME.*: must be an http or https URL/,
      );
    },
  );

  it("the message does not repeat the value, which may hold credentials", () => {
    const url = "ftp://deploy:s3cr3t-pass@api.example.test";
    try {
      resolveConfig({}, { ...env, FLY_API_HOSTNAME: url });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("s3cr3t-pass");
      expect(String(error)).not.toContain("deploy");
    }
  });

  it("http and https are taken", () => {
    for (const url of ["http://127.0.0.1:4280", "https://api.machines.dev"])
      expect(resolveConfig({}, { ...env, FLY_API_HOSTNAME: url }).apiHostname).toBe(url);
  });
});
