import { describe, expect, it } from "vitest";
import { isSecretsTool } from "../../src/policy/access-control.js";
import { createAccessControl, policyFromFlags } from "../../src/policy/index.js";
import { redactSecretValues } from "../../src/policy/secrets.js";

const HIDDEN = "[redacted]";
// Assembled at run time so no fixture looks like a real secret in the source.
const secretValue = ["s3cr3t", "value", String(42)].join("-");

describe("secret values are hidden, names and metadata stay", () => {
  it("a `value` field is hidden at any depth, in objects and in nested arrays", () => {
    const data = {
      secrets: [{ name: "DB_URL", digest: "abc", value: secretValue }],
      nested: { deeper: [[{ value: secretValue, created_at: "2026-01-01" }]] },
    };
    expect(redactSecretValues(data)).toEqual({
      secrets: [{ name: "DB_URL", digest: "abc", value: HIDDEN }],
      nested: { deeper: [[{ value: HIDDEN, created_at: "2026-01-01" }]] },
    });
  });

  it("a `values` map keeps its names and loses every value", () => {
    const data = { values: { A: secretValue, B: secretValue } };
    expect(redactSecretValues(data)).toEqual({ values: { A: HIDDEN, B: HIDDEN } });
  });

  it("a `values` field that is not a map is hidden whole", () => {
    expect(redactSecretValues({ values: [secretValue, secretValue] })).toEqual({ values: HIDDEN });
    expect(redactSecretValues({ values: secretValue })).toEqual({ values: HIDDEN });
  });

  it("an absent value stays absent: null and undefined are not turned into a placeholder", () => {
    expect(redactSecretValues({ value: null, values: null })).toEqual({ value: null, values: null });
    const out = redactSecretValues({ name: "A", value: undefined, values: undefined });
    expect(out).toStrictEqual({ name: "A", value: undefined, values: undefined });
    expect(JSON.stringify(out)).toBe('{"name":"A"}');
  });

  it("returns a copy and leaves the caller's data as it was", () => {
    const data = { secrets: [{ name: "A", value: secretValue }] };
    const out = redactSecretValues(data);
    expect(out).not.toBe(data);
    expect(data.secrets[0]!.value).toBe(secretValue);
  });

  it("plain values, arrays of plain values and other keys pass through unchanged", () => {
    expect(redactSecretValues("text")).toBe("text");
    expect(redactSecretValues(7)).toBe(7);
    expect(redactSecretValues(null)).toBeNull();
    expect(redactSecretValues(["a", 1])).toEqual(["a", 1]);
    expect(redactSecretValues({ name: "A", valueish: secretValue })).toEqual({
      name: "A",
      valueish: secretValue,
    });
  });
});

describe("which tools' results are redacted", () => {
  it.each([
    ["/apps/{app_name}/secrets", true],
    ["/apps/{app_name}/secrets/{secret_name}", true],
    ["/apps/{app_name}/secretkeys", true],
    ["/apps/{app_name}/secretkeys/{secret_name}/decrypt", true],
    ["/apps/{app_name}/machines", false],
    ["/apps/{app_name}/secret", false],
    ["/apps/{app_name}/secretsauce", false],
    ["/apps/{app_name}/volumes/secrets-backup", false],
  ])("%s: %s", (path, redacted) => {
    expect(isSecretsTool({ path })).toBe(redacted);
  });

  it("the access control hides values of secrets tools and of results with no tool named", () => {
    const access = createAccessControl({ scope: "org", policy: policyFromFlags({ access: "all" }) });
    const data = { value: secretValue };
    expect(access.redactSecrets(data, { path: "/apps/{app_name}/secretkeys/{secret_name}" })).toEqual({
      value: HIDDEN,
    });
    expect(access.redactSecrets(data)).toEqual({ value: HIDDEN });
    expect(access.redactSecrets(data, { path: "/apps/{app_name}/machines/{machine_id}" })).toBe(data);
  });

  it("reveal_secrets is off unless the policy says true", () => {
    const reveal = (revealSecrets?: boolean) =>
      createAccessControl({ scope: "org", policy: policyFromFlags({ revealSecrets }) }).revealSecrets;
    expect(reveal()).toBe(false);
    expect(reveal(false)).toBe(false);
    expect(reveal(true)).toBe(true);
  });
});
