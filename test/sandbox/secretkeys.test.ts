import { createHmac, createPublicKey, verify } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { call, type Json, quickSandbox } from "./helpers.js";

const base = "/apps/demo-app/secretkeys";
const text = (s: string): number[] => [...Buffer.from(s)];
/** Go's encoding/json sends `[]byte` as base64 text. */
const b64 = (s: string): string => Buffer.from(s).toString("base64");
const raw = (value: string): Buffer => Buffer.from(value, "base64");

describe("sandbox secret keys", () => {
  let sb: Sandbox;
  const post = (path: string, body: Json, token?: string) =>
    call(sb, "POST", `${base}${path}`, { body, token });
  beforeEach(() => {
    sb = quickSandbox();
  });

  it("generates keys of every encrypting type and round-trips with associated data", async () => {
    for (const type of ["nacl_secretbox", "xaes256gcm", "nacl_box", "SECRET_TYPE_KMS_NACL_SECRETBOX"]) {
      const gen = await post(`/enc/generate`, { type });
      expect(gen.status).toBe(201);
      expect(gen.body).toMatchObject({ name: "enc", type, version: expect.any(Number) });
      const aad = text("row-42");
      const sealed = (await post("/enc/encrypt", { plaintext: text("hello kms"), associated_data: aad })).body
        .ciphertext;
      expect(typeof sealed).toBe("string");
      expect(raw(sealed).length).toBeGreaterThan(9 + 16);
      // What encrypt returned goes back as it is, and base64 input works like the integer form.
      const opened = await post("/enc/decrypt", { ciphertext: sealed, associated_data: b64("row-42") });
      expect(raw(opened.body.plaintext).toString()).toBe("hello kms");
      const tampered = await post("/enc/decrypt", { ciphertext: sealed, associated_data: text("row-43") });
      expect(tampered.status).toBe(400);
      expect(tampered.body.error).toContain("decryption failed");
    }
  });

  it("signs with HMAC and Ed25519 keys that check out outside the sandbox", async () => {
    const key = Array.from({ length: 32 }, (_, i) => i);
    await post("/mac", { type: "hs256", value: Buffer.from(key).toString("base64") });
    const mac = (await post("/mac/sign", { plaintext: text("msg") })).body.signature;
    expect(raw(mac).equals(createHmac("sha256", Buffer.from(key)).update("msg").digest())).toBe(true);
    expect((await post("/mac/verify", { plaintext: text("msg"), signature: mac })).status).toBe(204);
    expect((await post("/mac/verify", { plaintext: text("msh"), signature: mac })).status).toBe(400);

    const ed = (await post("/ed/generate", { type: "nacl_sign" })).body;
    expect(raw(ed.public_key)).toHaveLength(32);
    const sig = (await post("/ed/sign", { plaintext: b64("release v1") })).body.signature;
    expect(raw(sig)).toHaveLength(64);
    const pub = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: raw(ed.public_key).toString("base64url") },
      format: "jwk",
    });
    expect(verify(null, Buffer.from("release v1"), pub, raw(sig))).toBe(true);
    expect((await post("/ed/verify", { plaintext: text("release v1"), signature: sig })).status).toBe(204);

    const auth = await post("/auth/generate", { type: "SECRET_TYPE_KMS_NACL_AUTH" });
    expect(auth.body.public_key).toBeUndefined();
    expect(raw((await post("/auth/sign", { plaintext: [] })).body.signature)).toHaveLength(32);
  });

  it("lists, filters by type, reads, deletes and bumps the secrets version", async () => {
    const v0 = sb.store.app("demo-app")!.secretsVersion;
    await post("/a/generate", { type: "SECRET_TYPE_KMS_HS512" });
    await post("/b/generate", { type: "SECRET_TYPE_KMS_NACL_SECRETBOX" });
    expect(sb.store.app("demo-app")!.secretsVersion).toBe(v0 + 2);
    const all = (await call(sb, "GET", base)).body.secret_keys;
    expect(all.map((k: Json) => k.name)).toEqual(["a", "b"]);
    expect(JSON.stringify(all)).not.toContain("material");
    const some = (await call(sb, "GET", `${base}?types=SECRET_TYPE_KMS_HS512`)).body.secret_keys;
    expect(some.map((k: Json) => k.name)).toEqual(["a"]);
    expect((await call(sb, "GET", `${base}/a`)).body.type).toBe("SECRET_TYPE_KMS_HS512");
    expect((await call(sb, "GET", `${base}?min_version=${v0 + 5}`)).status).toBe(400);
    expect((await call(sb, "DELETE", `${base}/a`)).body).toEqual({ version: v0 + 3, Version: v0 + 3 });
    expect((await call(sb, "GET", `${base}/a`)).status).toBe(404);
  });

  it("rejects unknown types, wrong key sizes, non-bytes and the wrong use", async () => {
    expect((await post("/x/generate", { type: "SECRET_TYPE_KMS_ROT13" })).status).toBe(400);
    expect((await post("/x", { type: "SECRET_TYPE_KMS_HS256", value: [1, 2, 3] })).body.error).toContain(
      "32",
    );
    expect((await post("/x", { type: "SECRET_TYPE_KMS_HS256", value: [300] })).body.error).toContain("uint8");
    expect((await post("/x", { type: "hs256", value: "not base64!" })).body.error).toContain(
      "illegal base64",
    );
    expect((await post("/x", { type: "hs256", value: { a: 1 } })).status).toBe(400);
    await post("/mac/generate", { type: "SECRET_TYPE_KMS_HS256" });
    expect((await post("/mac/encrypt", { plaintext: [1] })).body.error).toContain("cannot encrypt");
    expect((await post("/missing/sign", { plaintext: [1] })).status).toBe(404);
  });

  it("gives KMS tokens crypto but not key management; read-only tokens neither", async () => {
    await post("/enc/generate", { type: "SECRET_TYPE_KMS_NACL_SECRETBOX" });
    const kms = (await call(sb, "POST", "/tokens/kms", { token: "sandbox-deploy:demo-app" })).text;
    expect(kms).toBe("sandbox-kms:demo-app");
    expect((await post("/enc/encrypt", { plaintext: [1] }, kms)).status).toBe(200);
    expect((await call(sb, "GET", base, { token: kms })).status).toBe(200);
    expect((await post("/new/generate", { type: "SECRET_TYPE_KMS_HS256" }, kms)).status).toBe(403);
    expect((await call(sb, "GET", "/apps/demo-app", { token: kms })).status).toBe(403);
    expect((await post("/enc/encrypt", { plaintext: [1] }, "sandbox-readonly")).status).toBe(403);
  });
});
