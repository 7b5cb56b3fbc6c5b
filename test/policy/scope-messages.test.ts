import { describe, expect, it } from "vitest";
import {
  appField,
  hasAppField,
  MACHINE_EXEC_READS,
  scopeAppDenial,
  scopeCapDenial,
  targetApp,
} from "../../src/policy/scopes.js";

const HINT =
  "restart the server with a Fly token that allows it: an org token (`fly tokens create org`) " +
  "or a deploy token for the app (`fly tokens create deploy -a <app>`)";

const write = { name: "machines_start", access: "write", reach: "app" } as const;
const read = { name: "machines_list", access: "read", reach: "app" } as const;
const exec = { name: "machines_exec", access: "exec", reach: "app" } as const;
const admin = { name: "tokens_create_deploy", access: "admin", reach: "app" } as const;
const orgWide = { name: "apps_create", access: "write", reach: "org" } as const;

describe("what a token can never run, in words", () => {
  it("org tokens run everything", () => {
    for (const tool of [write, read, exec, admin, orgWide])
      expect(scopeCapDenial("org", undefined, tool)).toBeUndefined();
  });

  it("readonly tokens run reads only", () => {
    expect(scopeCapDenial("readonly", undefined, read)).toBeUndefined();
    expect(scopeCapDenial("readonly", undefined, write)).toEqual({
      reason: "the Fly token is readonly; it cannot run write tools like machines_start",
      fix: HINT,
    });
    expect(scopeCapDenial("readonly", "web", exec)).toEqual({
      reason: "the Fly token is readonly for app web; it cannot run exec tools like machines_exec",
      fix: HINT,
    });
  });

  it("machine-exec tokens run exec and four lookups", () => {
    expect([...MACHINE_EXEC_READS]).toEqual(["apps_get", "machines_list", "machines_get", "machines_wait"]);
    expect(scopeCapDenial("machine-exec", "web", exec)).toBeUndefined();
    expect(scopeCapDenial("machine-exec", "web", read)).toBeUndefined();
    expect(scopeCapDenial("machine-exec", "web", write)).toEqual({
      reason:
        "the Fly token is a machine-exec token for app web; it can only run exec tools and the lookups apps_get, machines_list, machines_get, machines_wait, not machines_start",
      fix: HINT,
    });
    expect(scopeCapDenial("machine-exec", undefined, write)?.reason).toMatch(
      /^the Fly token is a machine-exec token; /,
    );
  });

  it("deploy tokens run what acts inside their one app, never admin tools", () => {
    expect(scopeCapDenial("deploy", "web", write)).toBeUndefined();
    expect(scopeCapDenial("deploy", "web", admin)).toEqual({
      reason:
        "the Fly token is a deploy token for app web; tokens_create_deploy is an admin tool that needs an org token",
      fix: HINT,
    });
    expect(scopeCapDenial("deploy", "web", orgWide)).toEqual({
      reason:
        "the Fly token is a deploy token for app web; apps_create acts on the org, not inside one app, so it needs an org token",
      fix: HINT,
    });
    expect(scopeCapDenial("deploy", undefined, write)).toEqual({
      reason: "the Fly token is a deploy token but the app it is for is unknown",
      fix: HINT,
    });
  });
});

describe("which app a one-app token reaches", () => {
  const args = (app?: string) => (app === undefined ? {} : { app_name: app });

  it("the token's own app passes; another app is refused with both fixes", () => {
    expect(scopeAppDenial("deploy", "web", write, args("web"))).toBeUndefined();
    expect(scopeAppDenial("deploy", "web", write, args("db"))).toEqual({
      reason: "the Fly token is a deploy token for app web; it cannot reach app db",
      fix: "use app web, or restart the server with a token for db (`fly tokens create deploy -a db`) or an org token",
    });
  });

  it("a call that names no app is refused, saying which argument to pass", () => {
    expect(scopeAppDenial("readonly", "web", read, args())).toEqual({
      reason: "the Fly token is readonly for app web; machines_list was called without naming app web",
      fix: 'pass app_name: "web"',
    });
    expect(scopeAppDenial("machine-exec", "web", { ...exec, appArg: "target" }, { target: "" })).toEqual({
      reason:
        "the Fly token is a machine-exec token for app web; machines_exec was called without naming app web",
      fix: 'pass target: "web"',
    });
  });

  it("org tokens, tokens for no one app, and org-wide tools are not limited by app", () => {
    expect(scopeAppDenial("org", "web", write, args("db"))).toBeUndefined();
    expect(scopeAppDenial("deploy", undefined, write, args("db"))).toBeUndefined();
    expect(scopeAppDenial("deploy", "web", orgWide, args("db"))).toBeUndefined();
  });

  it("reads the app from app_name or the tool's own field, and only a non-empty string", () => {
    expect(appField({})).toBe("app_name");
    expect(appField({ appArg: "name" })).toBe("name");
    expect(targetApp({}, { app_name: "web" })).toBe("web");
    expect(targetApp({ appArg: "name" }, { name: "web", app_name: "db" })).toBe("web");
    expect(targetApp({}, { app_name: "" })).toBeUndefined();
    expect(targetApp({}, { app_name: 7 })).toBeUndefined();
    expect(hasAppField({ input: { shape: { app_name: {} } } as never })).toBe(true);
    expect(hasAppField({ appArg: "name", input: { shape: { app_name: {} } } as never })).toBe(false);
    expect(hasAppField({ input: undefined as never })).toBe(false);
    // Inherited keys are not fields.
    expect(hasAppField({ appArg: "toString", input: { shape: {} } as never })).toBe(false);
  });
});
