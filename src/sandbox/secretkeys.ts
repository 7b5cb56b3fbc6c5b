import type { Context } from "hono";
import { readBody, t } from "./decode.js";
import { badRequest, notFound } from "./errors.js";
import { requireApp } from "./lookup.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import {
  CryptoFailure,
  decrypt,
  encrypt,
  generateMaterial,
  KEY_TYPES,
  publicKeyOf,
  signBytes,
  usesOf,
  verifyBytes,
} from "./secretkey-crypto.js";
import type { AppRecord } from "./state.js";

export interface SecretKeyRecord {
  name: string;
  type: string;
  material: Buffer;
  publicKey?: Buffer;
  createdAt: string;
  updatedAt: string;
}

/** Keys are files under /.fly/kms in the machine, so names must be safe file names. */
const KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

// Go `[]byte`: base64 text, or (Go's decoder takes it too) an array of integers. Checked in toBuffer.
const bytes = t.any;
const setSpec = t.object("SetSecretkeyRequest", { type: t.string, value: bytes });
const encryptSpec = t.object("EncryptSecretkeyRequest", { associated_data: bytes, plaintext: bytes });
const decryptSpec = t.object("DecryptSecretkeyRequest", { associated_data: bytes, ciphertext: bytes });
const signSpec = t.object("SignSecretkeyRequest", { plaintext: bytes });
const verifySpec = t.object("VerifySecretkeyRequest", { plaintext: bytes, signature: bytes });

type Bytes = string | number[] | undefined;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a Go `[]byte` field as Go's encoding/json would: base64 text, or integers that fit a uint8. */
function toBuffer(value: Bytes, field: string, root: string): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (typeof value === "string") {
    if (!BASE64.test(value)) throw badRequest(`illegal base64 data in ${root}.${field}`);
    return Buffer.from(value, "base64");
  }
  if (!Array.isArray(value)) {
    throw badRequest(
      `json: cannot unmarshal ${typeof value} into Go struct field ${root}.${field} of type []uint8`,
    );
  }
  for (const n of value) {
    if (!Number.isInteger(n) || n < 0 || n > 255) {
      throw badRequest(
        `json: cannot unmarshal number ${n} into Go struct field ${root}.${field} of type uint8`,
      );
    }
  }
  return Buffer.from(value);
}

/** Go encodes `[]byte` as base64 text. */
const toBase64 = (buf: Buffer): string => buf.toString("base64");

function checkType(type: string | undefined): string {
  if (!type) throw badRequest(`type is required: one of ${Object.keys(KEY_TYPES).join(", ")}`);
  if (!KEY_TYPES[type]) {
    throw badRequest(
      `unsupported secret key type ${JSON.stringify(type)}: expected one of ${Object.keys(KEY_TYPES).join(", ")}`,
    );
  }
  return type;
}

/** `min_version` asks for state at least that new; the sandbox is never behind, only ahead or not. */
function checkMinVersion(c: Context, app: AppRecord): void {
  const raw = c.req.query("min_version");
  if (!raw) return;
  if (!/^\d+$/.test(raw))
    throw badRequest(`invalid value for query parameter min_version: ${JSON.stringify(raw)}`);
  if (Number(raw) > app.secretsVersion) {
    throw badRequest(`min_version ${raw} is newer than the app's secrets (version ${app.secretsVersion})`);
  }
}

function keyView(k: SecretKeyRecord): Record<string, unknown> {
  return {
    name: k.name,
    type: k.type,
    created_at: k.createdAt,
    updated_at: k.updatedAt,
    ...(k.publicKey ? { public_key: toBase64(k.publicKey) } : {}),
  };
}

const versioned = (app: AppRecord) => ({ version: app.secretsVersion, Version: app.secretsVersion });

function store(app: AppRecord, name: string, type: string, material: Buffer): SecretKeyRecord {
  const now = new Date().toISOString();
  const key: SecretKeyRecord = {
    name,
    type,
    material,
    publicKey: publicKeyOf(type, material),
    createdAt: app.secretKeys.get(name)?.createdAt ?? now,
    updatedAt: now,
  };
  app.secretKeys.set(name, key);
  app.secretsVersion++;
  return key;
}

export function registerSecretKeys(router: SandboxRouter, deps: Deps): void {
  const base = "/v1/apps/:app_name/secretkeys";
  const appOf = (c: SandboxContext) => requireApp(deps.store, c.req.param("app_name") ?? "");
  const named = (c: SandboxContext) => {
    const name = c.req.param("secret_name") ?? "";
    if (!KEY_NAME.test(name)) {
      throw badRequest(
        `invalid secret key name ${JSON.stringify(name)}: use letters, digits, _ . - (up to 128)`,
      );
    }
    return name;
  };
  /** An existing key for a crypto call, of a type that can do `use`. */
  const usable = (c: SandboxContext, use: "sign" | "encrypt") => {
    const app = appOf(c);
    checkMinVersion(c, app);
    const name = named(c);
    const key = app.secretKeys.get(name);
    if (!key) throw notFound(`secret key not found: ${name}`);
    if (usesOf(key.type) !== use) {
      throw badRequest(
        `secret key ${name} is a ${key.type} key: it cannot ${use === "sign" ? "sign or verify" : "encrypt or decrypt"}`,
      );
    }
    return key;
  };
  const failing = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof CryptoFailure) throw badRequest(`decryption failed: ${error.message}`);
      throw error;
    }
  };

  router.get(base, guard(deps, "secretkeys_list", { kms: true }), (c) => {
    const app = appOf(c);
    checkMinVersion(c, app);
    const types = (c.req.query("types") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const keys = [...app.secretKeys.values()]
      .filter((k) => !types.length || types.includes(k.type))
      .sort((a, b) => a.name.localeCompare(b.name));
    return c.json({ secret_keys: keys.map(keyView) });
  });

  router.get(`${base}/:secret_name`, guard(deps, "secretkeys_show", { kms: true }), (c) => {
    const app = appOf(c);
    checkMinVersion(c, app);
    const key = app.secretKeys.get(named(c));
    if (!key) throw notFound(`secret key not found: ${c.req.param("secret_name")}`);
    return c.json(keyView(key));
  });

  router.post(`${base}/:secret_name`, guard(deps, "secretkeys_set"), async (c) => {
    const app = appOf(c);
    const name = named(c);
    const body = await readBody<{ type?: string; value?: Bytes }>(c, setSpec);
    const type = checkType(body.type);
    const material = toBuffer(body.value, "value", "SetSecretkeyRequest");
    const sizes = KEY_TYPES[type]!.sizes;
    if (!sizes.includes(material.length)) {
      throw badRequest(`invalid value: a ${type} key is ${sizes.join(" or ")} bytes, got ${material.length}`);
    }
    return c.json({ ...keyView(store(app, name, type, material)), ...versioned(app) }, 201);
  });

  router.post(`${base}/:secret_name/generate`, guard(deps, "secretkeys_generate"), async (c) => {
    const app = appOf(c);
    const name = named(c);
    const body = await readBody<{ type?: string }>(c, setSpec);
    const type = checkType(body.type);
    return c.json({ ...keyView(store(app, name, type, generateMaterial(type))), ...versioned(app) }, 201);
  });

  router.delete(`${base}/:secret_name`, guard(deps, "secretkeys_delete"), (c) => {
    const app = appOf(c);
    const name = named(c);
    if (!app.secretKeys.delete(name)) throw notFound(`secret key not found: ${name}`);
    app.secretsVersion++;
    return c.json(versioned(app));
  });

  router.post(`${base}/:secret_name/encrypt`, guard(deps, "secretkeys_encrypt", { kms: true }), async (c) => {
    const key = usable(c, "encrypt");
    const body = await readBody<{ plaintext?: Bytes; associated_data?: Bytes }>(c, encryptSpec);
    const plaintext = toBuffer(body.plaintext, "plaintext", "EncryptSecretkeyRequest");
    const aad = toBuffer(body.associated_data, "associated_data", "EncryptSecretkeyRequest");
    return c.json({ ciphertext: toBase64(encrypt(key.type, key.material, plaintext, aad)) });
  });

  router.post(`${base}/:secret_name/decrypt`, guard(deps, "secretkeys_decrypt", { kms: true }), async (c) => {
    const key = usable(c, "encrypt");
    const body = await readBody<{ ciphertext?: Bytes; associated_data?: Bytes }>(c, decryptSpec);
    const ciphertext = toBuffer(body.ciphertext, "ciphertext", "DecryptSecretkeyRequest");
    const aad = toBuffer(body.associated_data, "associated_data", "DecryptSecretkeyRequest");
    const plaintext = failing(() => decrypt(key.type, key.material, ciphertext, aad));
    return c.json({ plaintext: toBase64(plaintext) });
  });

  router.post(`${base}/:secret_name/sign`, guard(deps, "secretkeys_sign", { kms: true }), async (c) => {
    const key = usable(c, "sign");
    const body = await readBody<{ plaintext?: Bytes }>(c, signSpec);
    const plaintext = toBuffer(body.plaintext, "plaintext", "SignSecretkeyRequest");
    return c.json({ signature: toBase64(signBytes(key.type, key.material, plaintext)) });
  });

  router.post(`${base}/:secret_name/verify`, guard(deps, "secretkeys_verify", { kms: true }), async (c) => {
    const key = usable(c, "sign");
    const body = await readBody<{ plaintext?: Bytes; signature?: Bytes }>(c, verifySpec);
    const plaintext = toBuffer(body.plaintext, "plaintext", "VerifySecretkeyRequest");
    const signature = toBuffer(body.signature, "signature", "VerifySecretkeyRequest");
    if (!verifyBytes(key.type, key.material, plaintext, signature)) {
      throw badRequest("signature verification failed: the signature does not match the plaintext and key");
    }
    return c.body(null, 204);
  });
}
