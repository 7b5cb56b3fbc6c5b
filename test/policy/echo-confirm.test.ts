import { describe, expect, it } from "vitest";
import { confirmPhrase, echoConfirmation } from "../../src/policy/echo-confirm.js";
import { allTools } from "../../src/tools/index.js";
import { splitLocalFields } from "../../src/tools/local-fields.js";
import type { ToolDef } from "../../src/tools/types.js";

const tool = (name: string): ToolDef => allTools.find((t) => t.name === name) ?? expect.unreachable(name);
const CODE = / #[0-9a-f]{8}$/;
// The README's example is computed with this key (a server uses FLY_MCP_STATE_KEY or its own).
const KEY = Buffer.alloc(32, 7);
const words = (name: string, args: Record<string, unknown>, message = "m") =>
  confirmPhrase(tool(name), args, message, KEY).replace(CODE, "");

describe("the phrase of a call", () => {
  it("says the verb, the target and the options that make it destructive, then a code", () => {
    expect(confirmPhrase(tool("apps_delete"), { app_name: "my-app" }, "m", KEY)).toMatch(
      /^delete app my-app #[0-9a-f]{8}$/,
    );
    expect(words("machines_delete", { app_name: "my-app", machine_id: "3d8d413b29d089" })).toBe(
      "delete machine 3d8d413b29d089 in app my-app",
    );
    expect(
      words("machines_stop", { app_name: "a", machine_id: "m1", signal: "SIGKILL", timeout: "0s" }),
    ).toBe("stop machine m1 in app a with signal SIGKILL, timeout 0s");
    expect(words("machines_delete", { app_name: "a", machine_id: "m1", force: true })).toBe(
      "delete machine m1 in app a with force",
    );
    expect(words("secrets_set", { app_name: "a", values: { A: "1" } })).toBe("set secrets in app a");
    expect(words("secrets_delete", { app_name: "a", secret_name: "DB_URL" })).toBe(
      "delete secret DB_URL in app a",
    );
    expect(words("postgres_databases_delete", { postgres_cluster_id: "pg1", database_name: "orders" })).toBe(
      "drop postgres cluster pg1 / database orders",
    );
    expect(words("postgres_attachments_delete", { postgres_cluster_id: "pg1", app_name: "a" })).toBe(
      "detach postgres cluster pg1 in app a",
    );
  });

  it("its code binds every other argument, secret values included, and what the call loses", () => {
    const phrase = (args: Record<string, unknown>, message = "m", key = KEY) =>
      confirmPhrase(tool("secrets_set_one"), args, message, key);
    const base = { app_name: "a", secret_name: "S", value: "one" };
    expect(phrase(base)).toBe(phrase({ value: "one", secret_name: "S", app_name: "a" }));
    // A phrase confirmed for one value does not set another: the agent cannot swap the value later.
    expect(phrase({ ...base, value: "two" })).not.toBe(phrase(base));
    // Keyed: without the server's key the code cannot be computed (nor tell anything about the value).
    expect(phrase(base, "m", Buffer.alloc(32, 8))).not.toBe(phrase(base));
    expect(phrase(base, "m, losing the current value of secret S")).not.toBe(phrase(base));
    const nested = (role: string) =>
      confirmPhrase(
        tool("machines_metadata_update"),
        { app_name: "a", machine_id: "m", metadata: { role } },
        "m",
        KEY,
      );
    expect(nested("")).not.toBe(nested("web"));
  });
});

describe("the README's example", () => {
  it("is the phrase the server gives for that call", () => {
    const message =
      "Allow machines_delete (Delete machine) on machine 3d8d413b29d089 in app my-app? This is destructive and cannot be undone.";
    expect(
      confirmPhrase(
        tool("machines_delete"),
        { app_name: "my-app", machine_id: "3d8d413b29d089" },
        message,
        KEY,
      ),
    ).toBe("delete machine 3d8d413b29d089 in app my-app #1f56e493");
  });
});

describe("splitLocalFields", () => {
  it("takes confirm out and leaves the rest", () => {
    expect(splitLocalFields({ a: 1, confirm: "x" })).toEqual({ args: { a: 1 }, local: { confirm: "x" } });
    expect(splitLocalFields({ a: 1 })).toEqual({ args: { a: 1 }, local: {} });
  });
});

describe("when the fallback applies", () => {
  const input = (capabilities: Record<string, unknown> | undefined, fallback: "echo" | "deny" = "echo") => {
    const args = { app_name: "a" };
    const echoed = confirmPhrase(tool("apps_delete"), args, "m", KEY);
    return {
      fallback,
      client: { getClientCapabilities: () => capabilities },
      tool: tool("apps_delete"),
      args,
      message: "m",
      echoed,
      key: KEY,
    };
  };
  it("only with echo, and only when no person can be asked", () => {
    expect(echoConfirmation(input(undefined)).kind).toBe("confirmed");
    expect(echoConfirmation(input({})).kind).toBe("confirmed");
    expect(echoConfirmation(input({ elicitation: { url: {} } })).kind).toBe("confirmed");
    expect(echoConfirmation(input({ elicitation: { form: {} } })).kind).toBe("ask");
    expect(echoConfirmation(input({ elicitation: {} })).kind).toBe("ask");
    expect(echoConfirmation(input(undefined, "deny")).kind).toBe("ask");
  });
});
