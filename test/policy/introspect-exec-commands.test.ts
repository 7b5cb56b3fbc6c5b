import { describe, expect, it } from "vitest";
import type { FlyClient, FlyRequest, FlyResponse } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { detectScope } from "../../src/policy/index.js";

// Assembled at run time so no token-shaped literal sits in the source.
const TOKEN = ["fm2", "_", "exampletokenpayload".repeat(2)].join("");

type Handler = (req: FlyRequest) => unknown;

function fakeFly(routes: Record<string, Handler>): FlyClient & { calls: FlyRequest[] } {
  const calls: FlyRequest[] = [];
  return {
    baseUrl: "https://api.machines.dev",
    calls,
    async request(req: FlyRequest): Promise<FlyResponse> {
      calls.push(req);
      const handler = routes[`${req.method} ${req.path}`];
      if (!handler) throw new FlyApiError(404, "not found", { kind: "http" });
      return { status: 200, data: handler(req), headers: new Headers() };
    },
  };
}

const refused = () => {
  throw new FlyApiError(403, "unauthorized for action access w (w not allowed)", { kind: "http" });
};

/** A web-app token whose writes are refused and whose `/tokens/authenticate` answer is `answer`. */
async function scopeFor(answer: unknown) {
  const fly = fakeFly({
    "GET /tokens/current": () => ({ tokens: [{ org_slug: "acme", apps: ["web"] }] }),
    "POST /tokens/authorize": refused,
    "POST /tokens/authenticate": () => answer,
  });
  return { fly, result: await detectScope(fly, { token: TOKEN }) };
}

const commands = (...rules: unknown[]) => [{ caveats: [{ type: "Commands", body: rules }] }];

const execSummary = (allowed: string) =>
  `Fly token: machine-exec (limited to app web in org acme; commands: ${allowed}); only exec and machine lookups are offered`;

const READONLY = {
  scope: "readonly",
  scopeApp: "web",
  org: "acme",
  summary: "Fly token: read-only, limited to app web in org acme; write and exec tools are hidden",
};

function nestInArrays(value: unknown, levels: number): unknown {
  let out = value;
  for (let i = 0; i < levels; i++) out = [out];
  return out;
}

function nestInObjects(value: unknown, levels: number): unknown {
  let out = value;
  for (let i = 0; i < levels; i++) out = { inner: out };
  return out;
}

const uptime = { type: "Commands", body: [{ args: ["uptime"] }] };

describe("the commands a machine-exec token may run", () => {
  it("asks Fly to authenticate the token under its own action name", async () => {
    const { fly } = await scopeFor(commands({ args: ["uptime"] }));
    expect(fly.calls[2]).toMatchObject({
      method: "POST",
      path: "/tokens/authenticate",
      action: "tokens_authenticate",
    });
  });

  it("lists the commands joined by '; ' with their words joined by spaces", async () => {
    const { result } = await scopeFor(commands({ args: ["ls", "-l"] }, { args: ["uptime"] }));
    expect(result).toEqual({
      scope: "machine-exec",
      scopeApp: "web",
      org: "acme",
      summary: execSummary("ls -l; uptime"),
    });
  });

  it("shows five commands in full", async () => {
    const rules = ["a", "b", "c", "d", "e"].map((w) => ({ args: [w] }));
    const { result } = await scopeFor(commands(...rules));
    expect(result.summary).toBe(execSummary("a; b; c; d; e"));
  });

  it("shows the first five of six commands and marks the rest", async () => {
    const rules = ["a", "b", "c", "d", "e", "f"].map((w) => ({ args: [w] }));
    const { result } = await scopeFor(commands(...rules));
    expect(result.summary).toBe(execSummary("a; b; c; d; e; ..."));
  });

  it("a rule without arguments, or with no rule object at all, allows any command", async () => {
    const { result } = await scopeFor(commands({ exact: false }, null));
    expect(result.summary).toBe(execSummary("any command; any command"));
  });

  it("leaves out arguments that are not strings", async () => {
    const { result } = await scopeFor(commands({ args: ["ls", 5, "-l", { x: 1 }] }));
    expect(result.summary).toBe(execSummary("ls -l"));
  });

  it("cuts a long command to 80 characters", async () => {
    const { result } = await scopeFor(commands({ args: ["echo", "x".repeat(100)] }));
    expect(result.summary).toBe(execSummary(`echo ${"x".repeat(75)}`));
  });

  it("a Commands caveat whose body is not a list allows no command", async () => {
    const { result } = await scopeFor([{ caveats: [{ type: "Commands", body: "uptime" }] }]);
    expect(result.summary).toBe(execSummary(""));
  });

  it("a Commands entry without a body is not a caveat, so the token stays read-only", async () => {
    const { result } = await scopeFor([{ caveats: [{ type: "Commands" }] }]);
    expect(result).toEqual(READONLY);
  });

  it("does not look inside a non-string type field", async () => {
    const { result } = await scopeFor([{ caveats: [{ type: [uptime], body: {} }] }]);
    expect(result).toEqual(READONLY);
  });

  it("skips nulls in the answer and still finds the caveat after them", async () => {
    const { result } = await scopeFor([null, { caveats: [null, uptime] }]);
    expect(result.summary).toBe(execSummary("uptime"));
  });

  it("finds a caveat eight lists deep but not nine", async () => {
    expect((await scopeFor(nestInArrays(uptime, 8))).result.summary).toBe(execSummary("uptime"));
    expect((await scopeFor(nestInArrays(uptime, 9))).result).toEqual(READONLY);
  });

  it("finds a caveat eight objects deep but not nine", async () => {
    expect((await scopeFor(nestInObjects(uptime, 8))).result.summary).toBe(execSummary("uptime"));
    expect((await scopeFor(nestInObjects(uptime, 9))).result).toEqual(READONLY);
  });
});
