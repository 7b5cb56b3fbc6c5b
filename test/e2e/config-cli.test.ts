import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, cliEnv, spawnClient } from "../support/cli.js";
import { textOf } from "../support/harness.js";

const env = cliEnv;
const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    env: env(extra),
    encoding: "utf8",
    timeout: 20_000,
    input: "",
  });

// Token-shaped fixtures are assembled at run time, never written out.
const macaroon = () => ["fm2", randomBytes(48).toString("base64")].join("_");

/** Every 8-character piece of the token: none may appear in any output. */
function expectNoPieceOf(token: string, ...outputs: string[]): void {
  const text = outputs.join("\n");
  const body = token.replace(/^FlyV1 /, "");
  for (let i = 0; i + 8 <= body.length; i += 4) expect(text).not.toContain(body.slice(i, i + 8));
}

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
  for (const server of servers.splice(0)) server.close();
});

describe("a malformed FLY_API_TOKEN is a configuration error that never shows the token", () => {
  const a = macaroon();
  const b = macaroon();
  it.each([
    ["a line break between two parts", `FlyV1 ${a},\n${b}`],
    ["a line break inside a part", `FlyV1 ${a.slice(0, 30)}\n${a.slice(30)}`],
    ["a carriage return", `${a}\r,${b}`],
    ["a tab", `${a},\t${b}`],
    ["a non-ASCII character", `${a}é`],
    ["a space inside a part", `${a.slice(0, 20)} ${a.slice(20)}`],
  ])("%s: exit 2, names FLY_API_TOKEN and the fix", (_what, token) => {
    const out = run(["--token-scope", "org"], { FLY_API_TOKEN: token, LOG_LEVEL: "trace" });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/FLY_API_TOKEN/);
    expect(out.stderr).toMatch(/fly tokens create|fly auth token/);
    expect(out.stdout).toBe("");
    expectNoPieceOf(token, out.stderr, out.stdout);
  });

  it("the configured token pasted into a choice flag is not echoed, whatever its shape", () => {
    // A legacy token is plain hex: nothing about its shape marks it, only the scrubber knowing it.
    const token = randomBytes(24).toString("hex");
    for (const flag of ["--access", "--token-scope", "--transport"]) {
      const out = run([flag, token], { FLY_API_TOKEN: token });
      expect(out.status).toBe(2);
      expectNoPieceOf(token, out.stderr, out.stdout);
    }
  });
});

describe("configuration errors exit with code 2", () => {
  it.each([
    ["an invalid choice", ["--access", "everything"], /--access/],
    ["an unknown option", ["--acess", "read"], /unknown option/],
    ["an empty --port", ["--transport", "http", "--port", ""], /--port: must be a port number/],
    ["a hex --port", ["--transport", "http", "--port", "0x50"], /--port: must be a port number/],
    ["an exponent --port", ["--transport", "http", "--port", "1e3"], /--port: must be a port number/],
    ["a sandbox --port in hex", ["sandbox", "--port", "0x50"], /sandbox --port: must be a port number/],
    ["an empty --apps (an unset shell variable)", ["--apps", ""], /--apps: is empty/],
    [
      "a public address without agent keys",
      ["--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", "0"],
      /refusing to serve HTTP on 0\.0\.0\.0/,
    ],
    [
      "an audit log in /proc",
      ["--sandbox", "--audit-log", "/proc/self/fd/0"],
      /--audit-log \/proc\/self\/fd\/0/,
    ],
    [
      "an audit log in a folder that is a file",
      ["--sandbox", "--audit-log", "/etc/hostname/audit.log"],
      /--audit-log /,
    ],
  ])("%s", (_what, args, message) => {
    const out = run(args, { FLY_API_TOKEN: "sandbox" });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it("an ftp:// FLY_API_HOSTNAME is refused naming the variable, without echoing the URL", () => {
    const password = randomBytes(12).toString("hex");
    const out = run([], {
      FLY_API_TOKEN: macaroon(),
      FLY_API_HOSTNAME: `ftp://user:${password}@fly.example.test`,
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/FLY_API_HOSTNAME.*must be an http or https URL/);
    expect(out.stderr + out.stdout).not.toContain(password);
  });

  it("an unknown option that holds a token does not echo it", () => {
    const token = macaroon();
    const out = run([`--token=${token}`], { FLY_API_TOKEN: "sandbox" });
    expect(out.status).toBe(2);
    expectNoPieceOf(token, out.stderr, out.stdout);
  });
});

describe("the sandbox subcommand", () => {
  it("listens on the --port and --host it is given", async () => {
    const probe = createHttpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));

    const child = spawn(process.execPath, [CLI, "sandbox", "--port", String(port), "--host", "127.0.0.1"], {
      env: env(),
    });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    while (!stderr.includes("listening")) await once(child.stderr, "data");
    expect(stderr).toContain(`http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/v1/apps/demo-app`, {
      headers: { authorization: "Bearer sandbox" },
    });
    expect(res.status).toBe(200);
  });
});

describe("running on Fly, the server's own app is out of reach", () => {
  const onFly = { FLY_MACHINE_ID: "148e1234abcd", FLY_APP_NAME: "demo-app" };

  it("FLY_APP_NAME is not the default app, and the own app is refused", async () => {
    const { client, call } = await spawnClient(["--sandbox", "--access", "all"], onFly);
    const noDefault = await call("machines_list", {});
    expect(noDefault.isError).toBe(true);
    expect(textOf(noDefault)).toMatch(/app_name/);
    const own = await call("machines_list", { app_name: "demo-app" });
    expect(own.isError).toBe(true);
    expect(textOf(own)).toMatch(/demo-app is the app this server runs in/);
    await client.close();
  });

  it("is reachable when named explicitly, and FLY_MCP_APP sets the default", async () => {
    const { client, call } = await spawnClient(["--sandbox", "--apps", "demo-app"], {
      ...onFly,
      FLY_MCP_APP: "demo-app",
    });
    const listed = await call("machines_list", {});
    expect(listed.isError).toBeFalsy();
    expect(JSON.parse(textOf(listed)).machines.length).toBeGreaterThan(0);
    await client.close();
  });
});

describe("a hostile Fly that echoes our request headers into its error bodies", () => {
  it("the token reaches neither the agent nor stderr", async () => {
    const token = `${macaroon()},${macaroon()}`;
    const hostile = createHttpServer((req, res) => {
      // Fly's message field carries the headers, once as text and once as nested JSON.
      const error = `bad request from ${req.headers.authorization}: ${JSON.stringify({ seen: req.headers })}`;
      const echoed = JSON.stringify({ error, headers: req.headers });
      res.writeHead(400, { "content-type": "application/json" }).end(echoed);
    });
    servers.push(hostile);
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
    const { client, call, stderr } = await spawnClient(["--access", "all"], {
      FLY_API_TOKEN: token,
      FLY_API_HOSTNAME: url,
      LOG_LEVEL: "trace",
    });
    const results = [
      await call("apps_get", { app_name: "my-app" }),
      await call("machines_list", { app_name: "my-app" }),
      await call("machines_get", { app_name: "my-app", machine_id: "148e1234abcd" }),
    ];
    await client.close();
    const seen = results.map((r) => JSON.stringify(r));
    expect(seen.join("")).toContain("[redacted]");
    expectNoPieceOf(token, ...seen, stderr());
  });
});
