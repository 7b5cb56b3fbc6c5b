import { queryBool, readBody } from "./decode.js";
import { badRequest, notFound } from "./errors.js";
import { sha256Hex } from "./ids.js";
import { requireApp } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import { setSecretSpec, updateSecretsSpec } from "./schemas.js";
import { writeSecrets } from "./secrets-propagation.js";
import type { AppRecord } from "./state.js";

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Digest = a short SHA-256 of the value: equal values have equal digests, values never show. */
export const secretDigest = (value: string): string => sha256Hex(value).slice(0, 16);

function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw badRequest(
      `invalid secret name ${JSON.stringify(name)}: use letters, digits and underscores, not starting with a digit`,
    );
  }
}

export function setSecret(app: AppRecord, name: string, value: string): void {
  const now = new Date().toISOString();
  const existing = app.secrets.get(name);
  app.secrets.set(name, {
    value,
    digest: secretDigest(value),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  });
}

function secretView(app: AppRecord, name: string, showValue: boolean): Record<string, string> {
  const s = app.secrets.get(name)!;
  return {
    name,
    digest: s.digest,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    ...(showValue ? { value: s.value } : {}),
  };
}

const versioned = (app: AppRecord) => ({ version: app.secretsVersion, Version: app.secretsVersion });

export function registerSecrets(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/secrets";
  const app = (name: string) => requireApp(deps.store, name);

  router.get(base, guard(deps, "secrets_list"), (c) => {
    const a = app(c.req.param("app_name"));
    const show = queryBool(c, "show_secrets") ?? false;
    const names = [...a.secrets.keys()].sort();
    return c.json({ secrets: names.map((name) => secretView(a, name, show)) });
  });

  router.post(base, guard(deps, "secrets_update"), async (c) => {
    const a = app(c.req.param("app_name"));
    const body = await readBody<{ values?: Record<string, string | null> }>(c, updateSecretsSpec);
    if (!body.values || !Object.keys(body.values).length)
      throw badRequest("values is required: a map of name to value (null unsets)");
    for (const name of Object.keys(body.values)) checkName(name);
    const values = body.values;
    writeSecrets(a, deps.options.consistencyMs, () => {
      for (const [name, value] of Object.entries(values)) {
        if (value === null) a.secrets.delete(name);
        else setSecret(a, name, value);
      }
    });
    const names = [...a.secrets.keys()].sort();
    return c.json({ secrets: names.map((name) => secretView(a, name, false)), ...versioned(a) });
  });

  router.get(`${base}/:secret_name`, guard(deps, "secrets_show"), (c) => {
    const a = app(c.req.param("app_name"));
    const name = c.req.param("secret_name");
    if (!a.secrets.has(name)) throw notFound(`secret not found: ${name}`);
    return c.json(secretView(a, name, queryBool(c, "show_secrets") ?? false));
  });

  router.post(`${base}/:secret_name`, guard(deps, "secrets_set"), async (c) => {
    const a = app(c.req.param("app_name"));
    const name = c.req.param("secret_name");
    checkName(name);
    const body = await readBody<{ value?: string }>(c, setSecretSpec);
    const value = body.value;
    if (value === undefined) throw badRequest("value is required");
    writeSecrets(a, deps.options.consistencyMs, () => setSecret(a, name, value));
    return c.json({ ...secretView(a, name, false), ...versioned(a) }, 201);
  });

  router.delete(`${base}/:secret_name`, guard(deps, "secrets_delete"), (c) => {
    const a = app(c.req.param("app_name"));
    const name = c.req.param("secret_name");
    if (!a.secrets.has(name)) throw notFound(`secret not found: ${name}`);
    writeSecrets(a, deps.options.consistencyMs, () => a.secrets.delete(name));
    return c.json(versioned(a));
  });
}
