import type { AgentPolicy, OAuthMatch } from "../policy/agent-policy.js";
import type { AccessClass } from "../tools/types.js";
import type { TokenClaims } from "./oauth-tokens.js";

/** One scope per access class: a token carries the classes its holder may use, the policy the rest. */
export const SCOPE_FOR_CLASS: Record<AccessClass, string> = {
  read: "fly:read",
  write: "fly:write",
  exec: "fly:exec",
  admin: "fly:admin",
};

export const SCOPES_SUPPORTED = Object.values(SCOPE_FOR_CLASS);

export type AgentMatch =
  | { ok: true; policy: AgentPolicy; classes: AccessClass[] }
  | { ok: false; status: 403; message: string; scope?: string };

const matches = (m: OAuthMatch, claims: TokenClaims): string | undefined => {
  if (m.sub?.includes(claims.sub)) return `sub ${claims.sub}`;
  if (claims.client_id !== undefined && m.client_id?.includes(claims.client_id))
    return `client_id ${claims.client_id}`;
  const group = claims.groups.find((g) => m.groups?.includes(g));
  return group === undefined ? undefined : `group ${group}`;
};

/** The classes both the agent's policy and the token's scopes allow, in policy order. */
export const cappedClasses = (policy: AgentPolicy, scopes: readonly string[]): AccessClass[] =>
  policy.access.filter((c) => scopes.includes(SCOPE_FOR_CLASS[c]));

/** The single agent a token's claims name, with its access capped by the token's scopes. */
export function matchAgent(agents: readonly AgentPolicy[], claims: TokenClaims): AgentMatch {
  const found = agents.flatMap((policy) => {
    const why = policy.oauth ? matches(policy.oauth, claims) : undefined;
    return why === undefined ? [] : [{ policy, why }];
  });
  if (found.length === 0) {
    return {
      ok: false,
      status: 403,
      message:
        `Forbidden: no agent in the policy file maps to this token (sub ${claims.sub}` +
        `${claims.client_id ? `, client_id ${claims.client_id}` : ""}); add it to an agent's oauth: sub, client_id or groups`,
    };
  }
  if (found.length > 1) {
    return {
      ok: false,
      status: 403,
      message: `Forbidden: the token maps to more than one agent (${found
        .map((f) => `${f.policy.name} by ${f.why}`)
        .join(", ")}); make the oauth: mappings in the policy file name each caller once`,
    };
  }
  const { policy } = found[0]!;
  const classes = cappedClasses(policy, claims.scopes);
  if (classes.length === 0) {
    const wanted = policy.access.map((c) => SCOPE_FOR_CLASS[c]);
    return {
      ok: false,
      status: 403,
      scope: wanted[0],
      message: `Forbidden: the token has none of the scopes agent ${policy.name} is allowed (${wanted.join(", ")}); request a token with one of them`,
    };
  }
  return { ok: true, policy, classes };
}
