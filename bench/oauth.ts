import { findAgentByKey, hashKey } from "../src/policy/agent-policy.js";
import { createTokenValidator, type TokenValidator } from "../src/transport/oauth-tokens.js";
import { startAuthServer, testClient } from "../test/http/oauth-provider.js";
import { type BenchResult, ms, round, summarize } from "./stats.js";

const RESOURCE = "http://127.0.0.1:1/mcp";
const JWT_SAMPLES = 5_000;
const INTROSPECTION_SAMPLES = 500;
const KEY_SAMPLES = 20_000;

async function timeEach(n: number, fn: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

async function timeValidation(validator: TokenValidator, token: string, n: number): Promise<number[]> {
  const check = async () => {
    const result = await validator.validate(token);
    if ("rejected" in result) throw new Error(`bench token refused: ${result.description}`);
  };
  await timeEach(Math.ceil(n / 10), check);
  return timeEach(n, check);
}

const us = (msValue: number) => (msValue < 1 ? `${Math.round(msValue * 1000)} µs` : ms(msValue));

/**
 * What checking the caller costs per request: an agent key (a SHA-256 per agent), a JWT access token
 * (signature against the cached JWKS, claims), and an opaque token (an introspection round trip
 * to an oidc-provider on loopback).
 */
export async function runOAuth(): Promise<BenchResult> {
  const client = testClient("bench-client", "fly:read fly:write");
  const introspector = testClient("bench-rs", "");
  const jwtServer = await startAuthServer({ resources: [RESOURCE], clients: [client] });
  const opaqueServer = await startAuthServer({
    resources: [RESOURCE],
    clients: [client, introspector],
    format: "opaque",
  });
  try {
    const jwt = createTokenValidator({ issuer: jwtServer.issuer, audience: RESOURCE });
    const jwtSamples = await timeValidation(jwt, await jwtServer.token(client), JWT_SAMPLES);

    const opaque = createTokenValidator({
      issuer: opaqueServer.issuer,
      audience: RESOURCE,
      introspection: { clientId: introspector.id, clientSecret: introspector.secret },
    });
    const opaqueSamples = await timeValidation(
      opaque,
      await opaqueServer.token(client),
      INTROSPECTION_SAMPLES,
    );

    // Ten agents with keys: every one is compared, so this is the cost of a policy of that size.
    const keys = Array.from({ length: 10 }, (_, i) => `bench-key-${i}-${"x".repeat(32)}`);
    const agents = Object.fromEntries(
      keys.map((key, i) => [
        `a${i}`,
        {
          name: `a${i}`,
          access: ["read" as const],
          apps: "*" as const,
          destructive: "deny" as const,
          key_sha256: hashKey(key),
        },
      ]),
    );
    const keySamples = await timeEach(KEY_SAMPLES, () => findAgentByKey({ agents }, keys[9]!));

    const j = summarize(jwtSamples);
    const o = summarize(opaqueSamples);
    const k = summarize(keySamples);
    return {
      rows: [
        { name: "oauth", figure: `agent key check p50 ${us(k.p50)}, p99 ${us(k.p99)} (10 agents)`, goal: "" },
        {
          name: "oauth",
          figure: `JWT access token check p50 ${us(j.p50)}, p99 ${us(j.p99)}`,
          goal: "p50 < 1 ms",
          met: j.p50 < 1,
        },
        {
          name: "oauth",
          figure: `introspection (loopback) p50 ${us(o.p50)}, p99 ${us(o.p99)}`,
          goal: "",
        },
      ],
      figures: {
        agentKeyMs: { p50: round(k.p50, 4), p99: round(k.p99, 4), n: k.n },
        jwtMs: { p50: round(j.p50, 4), p99: round(j.p99, 4), mean: round(j.mean, 4), n: j.n },
        introspectionMs: { p50: round(o.p50, 3), p99: round(o.p99, 3), mean: round(o.mean, 3), n: o.n },
      },
    };
  } finally {
    await jwtServer.close();
    await opaqueServer.close();
  }
}
