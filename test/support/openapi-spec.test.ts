import { describe, expect, it } from "vitest";
import {
  findOperation,
  listOperations,
  strictSchema,
  UNDECLARED_QUERY,
  validateRequest,
} from "./openapi-spec.js";

const BASE = "https://api.machines.dev/v1/apps/my-app/machines";

describe("listOperations / findOperation", () => {
  it("lists every operation of the spec", () => {
    const ops = listOperations();
    expect(ops).toHaveLength(100);
    expect(ops).toContainEqual({
      method: "POST",
      path: "/v1/apps/{app_name}/machines/{machine_id}/stop",
      operationId: "Machines_stop",
      tags: ["Machines"],
    });
  });

  it("matches templated segments to one non-empty segment", () => {
    expect(findOperation("post", "/v1/apps/my-app/machines/abc/stop")).toEqual({
      operationId: "Machines_stop",
      pathTemplate: "/v1/apps/{app_name}/machines/{machine_id}/stop",
    });
    expect(findOperation("GET", "/v1/apps//machines")).toBeUndefined();
    expect(findOperation("GET", "/v1/apps/a/b/machines")).toBeUndefined();
  });

  it("prefers literal segments over templates", () => {
    expect(findOperation("POST", "/v1/apps/a/certificates/acme")?.operationId).toBe(
      "App_Certificates_acme_create",
    );
    expect(findOperation("GET", "/v1/apps/a/certificates/example.com")?.operationId).toBe(
      "App_Certificates_show",
    );
  });
});

describe("validateRequest accepts", () => {
  it.each([
    [
      "stop with a body",
      { method: "POST", url: `${BASE}/m1/stop`, body: { signal: "SIGTERM", timeout: "10s" } },
    ],
    ["stop without a body", { method: "POST", url: `${BASE}/m1/stop` }],
    ["restart with query", { method: "POST", url: `${BASE}/m1/restart?signal=SIGINT&timeout=5s` }],
    ["wait", { method: "GET", url: `${BASE}/m1/wait?state=started&timeout=60&instance_id=01H` }],
    [
      "list with metadata filter",
      { method: "GET", url: `${BASE}?metadata.fly_process_group=app&include_deleted=true` },
    ],
    [
      "create",
      {
        method: "POST",
        url: new URL(BASE),
        headers: { "Content-Type": "application/json; charset=utf-8" },
        body: {
          region: "ams",
          config: { image: "nginx:1", guest: { cpus: 1, memory_mb: 256, cpu_kind: "shared" } },
        },
      },
    ],
    [
      "create with container enums the spec wraps as objects",
      {
        method: "POST",
        url: BASE,
        body: {
          config: {
            image: "nginx",
            containers: [{ name: "web", depends_on: [{ name: "db", condition: "healthy" }] }],
          },
        },
      },
    ],
    [
      "secrets update with an open map",
      { method: "POST", url: "/v1/apps/a/secrets", body: { values: { ANY_NAME: "x" } } },
    ],
    [
      "lease release with the nonce header in any case",
      { method: "DELETE", url: `${BASE}/m1/lease`, headers: new Headers({ "Fly-Machine-Lease-Nonce": "n" }) },
    ],
    ["a raw JSON string body", { method: "POST", url: `${BASE}/m1/stop`, body: '{"signal":"SIGKILL"}' }],
  ])("%s", (_name, req) => {
    expect(validateRequest(req)).toEqual([]);
  });
});

describe("validateRequest rejects", () => {
  it("an unknown path", () => {
    expect(validateRequest({ method: "GET", url: "/v1/apps/a/machinez" })).toEqual([
      "path: no operation in the spec matches /v1/apps/a/machinez",
    ]);
    expect(validateRequest({ method: "GET", url: "/apps/a/machines" })[0]).toMatch(/not under \/v1/);
  });

  it("a method the path does not define", () => {
    expect(validateRequest({ method: "PUT", url: `${BASE}/m1/stop` })).toEqual([
      "method: PUT is not defined for /v1/apps/{app_name}/machines/{machine_id}/stop (only POST)",
    ]);
  });

  it("an undeclared query parameter", () => {
    expect(validateRequest({ method: "GET", url: `${BASE}/m1/wait?state=started&signal=SIGTERM` })).toEqual([
      "query.signal: not declared by Machines_wait",
    ]);
    expect(validateRequest({ method: "POST", url: `${BASE}/m1/stop?timeout=10s` })).toEqual([
      "query.timeout: not declared by Machines_stop",
    ]);
  });

  it("a query value of the wrong type or outside its enum", () => {
    expect(validateRequest({ method: "GET", url: `${BASE}/m1/wait?timeout=60s` })).toEqual([
      'query.timeout: must be integer, got "60s"',
    ]);
    expect(validateRequest({ method: "GET", url: `${BASE}?include_deleted=yes` })).toEqual([
      'query.include_deleted: must be boolean, got "yes"',
    ]);
    expect(validateRequest({ method: "POST", url: `${BASE}/m1/restart?signal=SIGSTOP` })[0]).toMatch(
      /^query\.signal: must be one of SIGHUP/,
    );
    expect(validateRequest({ method: "GET", url: `${BASE}/m1/wait?state=started&state=stopped` })).toEqual([
      "query.state: given 2 times but is not an array",
    ]);
  });

  it("a missing required query parameter", () => {
    expect(validateRequest({ method: "GET", url: "/v1/apps" })).toEqual([
      "query.org_slug: required by Apps_list but missing",
    ]);
  });

  it("an unknown body key at any depth", () => {
    expect(
      validateRequest({
        method: "POST",
        url: BASE,
        body: { config: { image: "x", guest: { cpus: 1, vcpus: 2 } } },
      }),
    ).toEqual(["body.config.guest.vcpus: not defined by the spec"]);
    expect(
      validateRequest({ method: "POST", url: `${BASE}/m1/stop`, body: { signal: "SIGTERM", force: true } }),
    ).toEqual(["body.force: not defined by the spec"]);
  });

  it("a body value of the wrong type", () => {
    expect(validateRequest({ method: "POST", url: `${BASE}/m1/stop`, body: { timeout: 10 } })).toEqual([
      "body.timeout: must be string",
    ]);
    expect(
      validateRequest({ method: "POST", url: BASE, body: { config: { image: "x", guest: { cpus: "2" } } } }),
    ).toEqual(["body.config.guest.cpus: must be integer"]);
    expect(
      validateRequest({ method: "POST", url: "/v1/apps/a/secrets", body: { values: { A: 1 } } }),
    ).toEqual(["body.values.A: must be string"]);
  });

  it("a body on an operation that takes none, and a missing required body", () => {
    expect(validateRequest({ method: "POST", url: `${BASE}/m1/start`, body: {} })).toEqual([
      "body: Machines_start takes no request body",
    ]);
    expect(validateRequest({ method: "POST", url: `${BASE}/m1/start`, body: "" })).toEqual([]);
    expect(validateRequest({ method: "POST", url: BASE })).toEqual([
      "body: required by Machines_create but missing",
    ]);
  });

  it("a lease release without the nonce header", () => {
    expect(
      validateRequest({ method: "DELETE", url: `${BASE}/m1/lease`, headers: { accept: "application/json" } }),
    ).toEqual(["header.fly-machine-lease-nonce: required by Machines_release_lease but missing"]);
  });

  it("a content type the operation does not accept", () => {
    const req = {
      method: "POST",
      url: `${BASE}/m1/exec`,
      headers: { "content-type": "text/plain" },
      body: { command: ["ls"] },
    };
    expect(validateRequest(req)).toEqual([
      "header.content-type: text/plain is not accepted by Machines_exec (application/json)",
    ]);
  });
});

describe("strictSchema", () => {
  const components = {
    A: { type: "object", properties: { a: { type: "string" } } },
    B: { type: "object", properties: { b: { type: "string" } } },
    Color: { type: "string", enum: ["red"] },
  };

  it("closes objects with properties and leaves declared maps open", () => {
    expect(strictSchema(components.A, components)).toMatchObject({ additionalProperties: false });
    const map = { type: "object", additionalProperties: { type: "string" } };
    expect(strictSchema(map, components)).toEqual(map);
  });

  it("moves the check to the parent when keys are spread over an allOf", () => {
    const both = { allOf: [{ $ref: "#/components/schemas/A" }, { $ref: "#/components/schemas/B" }] };
    expect(strictSchema(both, components)).toEqual({
      allOf: [{ $ref: "#/open/A" }, { $ref: "#/open/B" }],
      unevaluatedProperties: false,
    });
  });

  it("drops the object type of a wrapper around a non-object schema", () => {
    const wrapper = { type: "object", allOf: [{ $ref: "#/components/schemas/Color" }] };
    expect(strictSchema(wrapper, components)).toEqual({ allOf: [{ $ref: "#/components/schemas/Color" }] });
  });
});

describe("recorded exceptions to the spec", () => {
  it("accept only the named undeclared parameters, each with its Fly source, on their own operation", () => {
    expect(
      validateRequest({ method: "POST", url: "/v1/apps?wait=true", body: { name: "a", org_slug: "o" } }),
    ).toEqual([]);
    expect(validateRequest({ method: "DELETE", url: "/v1/apps/a?force=true" })).toEqual([]);
    expect(validateRequest({ method: "DELETE", url: "/v1/apps/a?force=maybe" })).toEqual([
      'query.force: must be boolean, got "maybe"',
    ]);
    expect(validateRequest({ method: "GET", url: "/v1/apps/a?force=true" })).toEqual([
      "query.force: not declared by Apps_show",
    ]);
    for (const params of Object.values(UNDECLARED_QUERY))
      for (const { why } of Object.values(params)) expect(why).toMatch(/fly-go|Fly's/);
  });

  it("read secret-key bytes sent as base64 as the bytes they encode, and still reject other text", () => {
    const url = "/v1/apps/a/secretkeys/k/encrypt";
    expect(
      validateRequest({ method: "POST", url, body: { plaintext: "aGk=", associated_data: "AQ==" } }),
    ).toEqual([]);
    expect(validateRequest({ method: "POST", url, body: { plaintext: "not base64!" } })).toEqual([
      "body.plaintext: must be array",
    ]);
  });
});
