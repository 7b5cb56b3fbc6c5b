import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { confirmPhrase, echoConfirmation } from "../../src/policy/echo-confirm.js";
import { allTools } from "../../src/tools/index.js";

const KEY = Buffer.alloc(32, 9);
const appsDelete = allTools.find((t) => t.name === "apps_delete") ?? expect.unreachable("apps_delete");
/** A destructive tool that names neither an app nor a resource. */
const purge = { name: "volumes_purge", title: "Purge all volumes", path: "/volumes" };
const noClient = { getClientCapabilities: () => undefined };
/** The code as documented: first 8 hex of HMAC-SHA256 over the sorted-key JSON of tool, arguments and message. */
const code = (canonicalText: string) =>
  createHmac("sha256", KEY).update(canonicalText).digest("hex").slice(0, 8);

describe("a phrase's words without an app or a resource", () => {
  it("name the whole rest of the title", () => {
    expect(confirmPhrase(purge, {}, "m", KEY)).toMatch(/^purge all volumes #[0-9a-f]{8}$/);
  });
});

describe("a phrase's code", () => {
  it("covers the arguments in sorted-key JSON, nested objects and arrays included, without undefined fields", () => {
    const args = { d: false, z: undefined, a: [1, { c: 0, b: null }, "x"] };
    expect(confirmPhrase(purge, args, "m", KEY)).toBe(
      `purge all volumes #${code('{"args":{"a":[1,{"b":null,"c":0},"x"],"d":false},"message":"m","tool":"volumes_purge"}')}`,
    );
    expect(confirmPhrase(purge, { list: [undefined, 2] }, "m", KEY)).toBe(
      `purge all volumes #${code('{"args":{"list":[null,2]},"message":"m","tool":"volumes_purge"}')}`,
    );
  });

  it("leaves out the confirm field itself, so echoing the phrase does not change it", () => {
    const args = { app_name: "a" };
    expect(confirmPhrase(appsDelete, { ...args, confirm: "anything" }, "m", KEY)).toBe(
      confirmPhrase(appsDelete, args, "m", KEY),
    );
  });
});

describe("the echo fallback's answers", () => {
  const args = { app_name: "my-app" };
  const message = "Allow apps_delete on app my-app?";
  const phrase = confirmPhrase(appsDelete, args, message, KEY);
  const decide = (echoed: unknown) =>
    echoConfirmation({
      fallback: "echo",
      client: noClient,
      tool: appsDelete,
      args,
      message,
      echoed,
      key: KEY,
    });
  const how = `Show the person this action; only if they agree, call apps_delete again with the same arguments and confirm: "${phrase}".`;

  it("the exact phrase confirms", () => {
    expect(decide(phrase)).toEqual({ kind: "confirmed", verdict: "confirmed-by-echo" });
  });

  it("no confirm: refused, giving the phrase and how to use it", () => {
    expect(decide(undefined)).toEqual({
      kind: "refused",
      verdict: "confirm-echo-requested",
      reason: "the client cannot be asked; the confirmation phrase was given",
      text: `Not done: ${message}\nThis client cannot ask a person to confirm. ${how}`,
    });
  });

  it("anything but the exact phrase: refused as a mismatch, giving the right phrase", () => {
    const mismatch = {
      kind: "refused",
      verdict: "confirm-echo-mismatch",
      reason: "confirm did not match the phrase of this call",
      text: `Not done: ${message}\nconfirm does not match this call's phrase (a different target or arguments, or a typo); nothing was done. ${how}`,
    };
    for (const echoed of [
      phrase.toUpperCase(),
      `${phrase} `,
      phrase.replace(/#.*/, "#00000000"),
      "",
      "yes",
      true,
      null,
      [phrase],
    ]) {
      expect(decide(echoed), String(echoed)).toEqual(mismatch);
    }
  });
});
