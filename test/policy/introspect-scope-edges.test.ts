import { describe, expect, it } from "vitest";
import type { FlyClient, FlyRequest, FlyResponse } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { detectScope } from "../../src/policy/index.js";

// Assembled at run time so no token-shaped literal sits in the source.
const TOKEN = ["fm2", "_", "exampletokenpayload".repeat(2)].join("");

type Handler = (req: FlyRequest) => unknown;

function fakeFly(routes: Record<string, Handler>): FlyClient {
  return {
    baseUrl: "https://api.machines.dev",
    async request(req: FlyRequest): Promise<FlyResponse> {
      const handler = routes[`${req.method} ${req.path}`];
      if (!handler) throw new FlyApiError(404, "not found", { kind: "http" });
      return { status: 200, data: handler(req), headers: new Headers() };
    },
  };
}

const current = (tokens: unknown) => ({ "GET /tokens/current": () => ({ tokens }) });

/** An org-wide token whose write probe fails with `error`. */
async function probedWith(error: unknown) {
  const fly = fakeFly({
    ...current([{ org_slug: "acme", apps: [] }]),
    "POST /tokens/authorize": () => {
      throw error;
    },
  });
  return detectScope(fly, { token: TOKEN });
}

const UNDECIDED = {
  scope: "org",
  org: "acme",
  summary: "Fly token: org-wide in org acme; could not tell whether it may write",
};

describe("detectScope edges", () => {
  it("an org-wide token stays org-wide when the server was started for an app", async () => {
    const r = await detectScope(fakeFly(current([{ org_slug: "acme", apps: [] }])), { app: "api" });
    expect(r).toEqual({ scope: "org", org: "acme", summary: "Fly token: org-wide in org acme" });
  });

  it("a machine-restricted token without an app list names no app mismatch", async () => {
    const r = await detectScope(fakeFly(current([{ org_slug: "acme", restricted_to_machine: "148e" }])), {
      app: "api",
    });
    expect(r).toEqual({
      scope: "machine-exec",
      org: "acme",
      summary: "Fly token: restricted to machine 148e in org acme; only exec and machine lookups are offered",
    });
  });

  it("a thrown value that is not an Error is reported as text", async () => {
    const fly = fakeFly({
      "GET /tokens/current": () => {
        throw "socket hang up";
      },
    });
    expect(await detectScope(fly)).toEqual({
      scope: "org",
      fellBack: true,
      summary:
        "Fly token: could not inspect it (socket hang up); treating it as org-wide; the agent policy still applies and Fly enforces the token itself",
    });
  });

  it("a refusal text from a server error does not make the token read-only", async () => {
    expect(await probedWith(new FlyApiError(500, "unauthorized for action", { kind: "http" }))).toEqual(
      UNDECIDED,
    );
  });

  it("a refusal text without an HTTP status does not make the token read-only", async () => {
    expect(await probedWith(new FlyApiError(0, "unauthorized for action", { kind: "network" }))).toEqual(
      UNDECIDED,
    );
  });

  it("a refusal text on an error that did not come from Fly does not make the token read-only", async () => {
    const stray = Object.assign(new Error("unauthorized for action"), { status: 403 });
    expect(await probedWith(stray)).toEqual(UNDECIDED);
  });
});
