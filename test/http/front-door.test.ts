import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HttpConfigError } from "../../src/transport/http.js";
import { harness, initializeBody, KEYS, MCP_HEADERS, opsAccess, raw } from "./support.js";

const h = harness();
afterEach(() => h.cleanup());

const CLI = "dist/cli.js";
const cliEnv = { PATH: process.env.PATH ?? "", LOG_LEVEL: "warn" };
/** Bounds for the server's own timeouts in these tests: generous, since the machine may be busy. */
const WITHIN_MS = 10_000;

const asReader = { ...MCP_HEADERS, Authorization: `Bearer ${KEYS.reader}` };

describe("sessions per agent", () => {
  it("caps one agent's sessions with 429 while other agents still connect", async () => {
    const served = await h.start({ maxSessions: 10, maxSessionsPerAgent: 2 });
    for (let i = 0; i < 2; i++) {
      expect((await raw(served.url, { headers: asReader, body: initializeBody() })).status).toBe(200);
    }
    const refused = await raw(served.url, { headers: asReader, body: initializeBody() });
    expect(refused.status).toBe(429);
    expect(refused.headers["retry-after"]).toBeDefined();
    expect(refused.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 }, id: null });
    expect(refused.text).toContain("cap of 2 live sessions per agent");

    const ops = await h.connect(served.url, KEYS.ops);
    expect((await ops.client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("counts initializations in flight, so a burst from one key gets no more than its cap", async () => {
    const served = await h.start({ maxSessions: 50, maxSessionsPerAgent: 3 });
    const burst = await Promise.all(
      Array.from({ length: 12 }, () => raw(served.url, { headers: asReader, body: initializeBody() })),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });

  it("gives an agent its slot back when one of its sessions ends", async () => {
    const served = await h.start({ maxSessionsPerAgent: 1 });
    const first = await h.connect(served.url, KEYS.reader);
    await expect(h.connect(served.url, KEYS.reader)).rejects.toThrow();
    await first.transport.terminateSession();
    const again = await h.connect(served.url, KEYS.reader);
    expect(again.transport.sessionId).toBeTruthy();
  });
});

/** Opens a raw socket and collects what the server says until it closes the connection. */
function rawSocket(url: string): Promise<{ socket: Socket; closed: Promise<string>; said(): string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let said = "";
    socket.on("data", (c: Buffer) => {
      said += c.toString("utf8");
    });
    const closed = new Promise<string>((done) => socket.once("close", () => done(said)));
    socket.once("error", () => undefined);
    socket.once("connect", () => resolve({ socket, closed, said: () => said }));
    socket.once("error", reject);
  });
}

/** Writes one byte at a time until the socket closes; returns what the server said. */
async function dribble(
  socket: Socket,
  closed: Promise<string>,
  bytes: string,
): Promise<string | "still open"> {
  let i = 0;
  const tick = setInterval(() => {
    if (!socket.destroyed && i < bytes.length) socket.write(bytes[i++]!);
  }, 50);
  let bound: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    closed,
    new Promise<"still open">((resolve) => {
      bound = setTimeout(() => resolve("still open"), WITHIN_MS);
    }),
  ]);
  clearInterval(tick);
  clearTimeout(bound);
  socket.destroy();
  return outcome;
}

describe("slow clients", () => {
  it("answers 408 and closes when an authenticated client dribbles its body", async () => {
    const served = await h.start({ headersTimeoutMs: 200, requestTimeoutMs: 500 });
    const { socket, closed } = await rawSocket(served.url);
    const body = initializeBody();
    socket.write(
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
        `Accept: application/json, text/event-stream\r\nAuthorization: Bearer ${KEYS.ops}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    const said = await dribble(socket, closed, body);
    expect(said).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a connection whose headers never end (slowloris)", async () => {
    const served = await h.start({ headersTimeoutMs: 200, requestTimeoutMs: 500 });
    const { socket, closed } = await rawSocket(served.url);
    socket.write("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const said = await dribble(
      socket,
      closed,
      "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".repeat(
        10,
      ),
    );
    expect(said).not.toBe("still open");
    expect(said).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it("closes a connection that never sends a byte, so idle sockets cannot hold the connection slots", async () => {
    const served = await h.start({ headersTimeoutMs: 200, requestTimeoutMs: 500 });
    const { socket, closed } = await rawSocket(served.url);
    expect(await dribble(socket, closed, "")).not.toBe("still open");
  });

  it("keeps a quiet GET stream open past the header timeout", async () => {
    const served = await h.start({ headersTimeoutMs: 200, requestTimeoutMs: 500 });
    const opened = await raw(served.url, { headers: asReader, body: initializeBody() });
    const sessionId = opened.headers["mcp-session-id"];
    const { socket, closed, said } = await rawSocket(served.url);
    socket.write(
      "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
        `Authorization: Bearer ${KEYS.reader}\r\nMcp-Session-Id: ${sessionId}\r\n` +
        "Mcp-Protocol-Version: 2025-06-18\r\n\r\n",
    );
    // Ten header timeouts of silence on an open event stream: nothing may close it.
    let quiet: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      closed,
      new Promise<"open">((resolve) => {
        quiet = setTimeout(() => resolve("open"), 2_000);
      }),
    ]);
    clearTimeout(quiet);
    socket.destroy();
    expect(outcome).toBe("open");
    expect(said()).toMatch(/^HTTP\/1\.1 200 [\s\S]*content-type: text\/event-stream/i);
  });

  it("drops connections beyond the cap and serves again once one closes", async () => {
    const served = await h.start({ maxConnections: 2 });
    const held = [await rawSocket(served.url), await rawSocket(served.url)];
    const third = await rawSocket(served.url);
    const said = await dribble(third.socket, third.closed, "");
    expect(said).toBe("");

    held[0]!.socket.destroy();
    await held[0]!.closed;
    const health = await raw(served.url, { method: "GET", path: "/healthz" });
    expect(health.status).toBe(200);
    held[1]!.socket.destroy();
  });
});

describe("every HTTP agent has a key", () => {
  it("refuses to start when no agent has a key and keyless serving was not asked for", async () => {
    await expect(h.start({ agents: { size: 0, authenticate: () => undefined } })).rejects.toThrow(
      HttpConfigError,
    );
    await expect(
      h.start({
        agents: { size: 0, authenticate: () => undefined },
        anonymous: { ...opsAccess, agent: "local" },
        host: "0.0.0.0",
      }),
    ).rejects.toThrow(/only works on a loopback address/);
  });

  function policyWithoutKeys(): string {
    const file = join(mkdtempSync(join(tmpdir(), "keyless-")), "policy.yaml");
    writeFileSync(
      file,
      "agents:\n  ops:\n    access: [read, write, exec]\n    apps: '*'\n    destructive: allow\n",
    );
    return file;
  }

  it("the CLI exits 2 for a --policy with no key_sha256, and for flags only, naming the fix", () => {
    for (const extra of [
      ["--policy", policyWithoutKeys()],
      ["--access", "all"],
    ]) {
      const run = spawnSync(
        process.execPath,
        [CLI, "--sandbox", "--transport", "http", "--port", "0", ...extra],
        {
          env: cliEnv,
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain("key_sha256");
      expect(run.stderr).toContain("hash-key");
      expect(run.stderr).toContain("--allow-keyless-loopback");
    }
  });

  it("the CLI refuses --allow-keyless-loopback off loopback", () => {
    const run = spawnSync(
      process.execPath,
      [
        CLI,
        "--sandbox",
        "--transport",
        "http",
        "--port",
        "0",
        "--host",
        "0.0.0.0",
        "--allow-keyless-loopback",
      ],
      { env: cliEnv, encoding: "utf8", timeout: 30_000 },
    );
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain("loopback");
  });

  it("the CLI serves keyless on loopback only when told to, and says so loudly", async () => {
    const child = spawn(
      process.execPath,
      [CLI, "--sandbox", "--transport", "http", "--port", "0", "--allow-keyless-loopback"],
      { env: cliEnv, stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        const m = /MCP over HTTP at (\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    try {
      expect(stderr).toContain("NO AUTHENTICATION");
      const res = await raw(url, { headers: MCP_HEADERS, body: initializeBody() });
      expect(res.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
