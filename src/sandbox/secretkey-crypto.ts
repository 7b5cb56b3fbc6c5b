import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";

/**
 * Real cryptography for Fly's KMS key types. Signatures and HMACs are the algorithms the types name;
 * ciphertexts use node's AEADs (AES-256-GCM, ChaCha20-Poly1305, X25519 + ChaCha20-Poly1305), so they
 * round-trip in the sandbox but are not byte-compatible with Fly's XAES and NaCl boxes.
 */
type Use = "sign" | "encrypt";

interface KeyType {
  use: Use;
  /** Accepted key lengths in bytes; the first is what generate makes. */
  sizes: number[];
  /** Has a public half the API shows. */
  asymmetric?: "ed25519" | "x25519";
  hmac?: { hash: string; truncate?: number };
  aead?: "aes-256-gcm" | "chacha20-poly1305";
}

const LEGACY_KEY_TYPES: Record<string, KeyType> = {
  SECRET_TYPE_KMS_HS256: { use: "sign", sizes: [32], hmac: { hash: "sha256" } },
  SECRET_TYPE_KMS_HS384: { use: "sign", sizes: [48], hmac: { hash: "sha384" } },
  SECRET_TYPE_KMS_HS512: { use: "sign", sizes: [64], hmac: { hash: "sha512" } },
  // NaCl crypto_auth is HMAC-SHA-512 truncated to 32 bytes.
  SECRET_TYPE_KMS_NACL_AUTH: { use: "sign", sizes: [32], hmac: { hash: "sha512", truncate: 32 } },
  SECRET_TYPE_KMS_NACL_SIGN: { use: "sign", sizes: [32, 64], asymmetric: "ed25519" },
  SECRET_TYPE_KMS_XAES256GCM: { use: "encrypt", sizes: [32], aead: "aes-256-gcm" },
  SECRET_TYPE_KMS_NACL_SECRETBOX: { use: "encrypt", sizes: [32], aead: "chacha20-poly1305" },
  SECRET_TYPE_KMS_NACL_BOX: { use: "encrypt", sizes: [32], asymmetric: "x25519" },
};

/**
 * Fly's key types by fly-go's names (`hs256`, `nacl_secretbox`, ... in secrets_types.go), plus the
 * `SECRET_TYPE_KMS_*` names older clients send.
 */
export const KEY_TYPES: Record<string, KeyType> = {
  ...Object.fromEntries(
    Object.entries(LEGACY_KEY_TYPES).map(([name, type]) => [
      name.replace("SECRET_TYPE_KMS_", "").toLowerCase(),
      type,
    ]),
  ),
  ...LEGACY_KEY_TYPES,
};

export class CryptoFailure extends Error {}

const NONCE = 12;
const TAG = 16;
// PKCS#8 DER prefixes for a raw 32-byte Ed25519 seed / X25519 private key.
const PKCS8 = {
  ed25519: Buffer.from("302e020100300506032b657004220420", "hex"),
  x25519: Buffer.from("302e020100300506032b656e04220420", "hex"),
};

function privateKeyOf(kind: "ed25519" | "x25519", material: Buffer): KeyObject {
  const seed = material.subarray(0, 32);
  return createPrivateKey({ key: Buffer.concat([PKCS8[kind], seed]), format: "der", type: "pkcs8" });
}

function rawPublic(key: KeyObject): Buffer {
  const jwk = (key.type === "public" ? key : createPublicKey(key)).export({ format: "jwk" });
  return Buffer.from(jwk.x ?? "", "base64url");
}

export function generateMaterial(type: string): Buffer {
  return randomBytes(KEY_TYPES[type]!.sizes[0]!);
}

export function publicKeyOf(type: string, material: Buffer): Buffer | undefined {
  const kind = KEY_TYPES[type]!.asymmetric;
  return kind ? rawPublic(privateKeyOf(kind, material)) : undefined;
}

function seal(
  aead: "aes-256-gcm" | "chacha20-poly1305",
  key: Buffer,
  plaintext: Buffer,
  aad: Buffer,
): Buffer {
  const nonce = randomBytes(NONCE);
  // node types ChaCha20-Poly1305 like GCM: same AEAD calls.
  const cipher = createCipheriv(aead as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function open(aead: "aes-256-gcm" | "chacha20-poly1305", key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < NONCE + TAG) throw new CryptoFailure("ciphertext is too short");
  const nonce = sealed.subarray(0, NONCE);
  const body = sealed.subarray(NONCE, sealed.length - TAG);
  const decipher = createDecipheriv(aead as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  decipher.setAAD(aad, { plaintextLength: body.length });
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new CryptoFailure("message authentication failed (wrong key, associated data or ciphertext)");
  }
}

/** Box key for one exchange: HKDF over the X25519 secret, bound to both public keys. */
function boxKey(secret: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.concat([ephemeral, recipient]), "fly-kms-box", 32));
}

export function encrypt(type: string, material: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const spec = KEY_TYPES[type]!;
  if (spec.aead) return seal(spec.aead, material, plaintext, aad);
  const recipient = privateKeyOf("x25519", material);
  const eph = generateKeyPairSync("x25519");
  const ephPublic = rawPublic(eph.publicKey);
  const secret = diffieHellman({ privateKey: eph.privateKey, publicKey: createPublicKey(recipient) });
  return Buffer.concat([
    ephPublic,
    seal("chacha20-poly1305", boxKey(secret, ephPublic, rawPublic(recipient)), plaintext, aad),
  ]);
}

export function decrypt(type: string, material: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  const spec = KEY_TYPES[type]!;
  if (spec.aead) return open(spec.aead, material, ciphertext, aad);
  if (ciphertext.length < 32) throw new CryptoFailure("ciphertext is too short");
  const recipient = privateKeyOf("x25519", material);
  const ephPublic = ciphertext.subarray(0, 32);
  const ephKey = createPublicKey({
    key: { kty: "OKP", crv: "X25519", x: ephPublic.toString("base64url") },
    format: "jwk",
  });
  const secret = diffieHellman({ privateKey: recipient, publicKey: ephKey });
  return open(
    "chacha20-poly1305",
    boxKey(secret, ephPublic, rawPublic(recipient)),
    ciphertext.subarray(32),
    aad,
  );
}

export function signBytes(type: string, material: Buffer, data: Buffer): Buffer {
  const spec = KEY_TYPES[type]!;
  if (spec.hmac) {
    const mac = createHmac(spec.hmac.hash, material).update(data).digest();
    return spec.hmac.truncate ? mac.subarray(0, spec.hmac.truncate) : mac;
  }
  return sign(null, data, privateKeyOf("ed25519", material));
}

export function verifyBytes(type: string, material: Buffer, data: Buffer, signature: Buffer): boolean {
  const spec = KEY_TYPES[type]!;
  if (spec.hmac) {
    const expected = signBytes(type, material, data);
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
  return verify(null, data, createPublicKey(privateKeyOf("ed25519", material)), signature);
}

export const usesOf = (type: string): Use => KEY_TYPES[type]!.use;
