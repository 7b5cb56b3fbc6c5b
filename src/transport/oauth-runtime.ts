import type { Logger } from "pino";
import type { Config } from "../config.js";
import { registerSecret } from "../policy/scrub.js";
import type { Runtime } from "../runtime.js";
import { HttpConfigError, MCP_PATH } from "./http.js";
import { createOAuthResourceServer, type OAuthResourceServer } from "./oauth.js";
import type { TokenValidatorOptions } from "./oauth-tokens.js";

/** The resource-server side of --oauth-issuer: the agents with an `oauth:` mapping, a gate per token. */
export function oauthFromConfig(
  config: Config,
  runtime: Pick<Runtime, "policyFile" | "tools" | "accessFor">,
  logger: Logger,
  validation: Omit<TokenValidatorOptions, "issuer" | "audience"> = {},
): OAuthResourceServer {
  const issuer = config.oauthIssuer;
  if (!issuer) throw new HttpConfigError("--oauth-issuer: not set");
  const mapped = Object.values(runtime.policyFile?.agents ?? {}).filter((a) => a.oauth);
  if (mapped.length === 0) {
    throw new HttpConfigError(
      `--oauth-issuer: no agent in ${config.policyFile} has an oauth: mapping, so no token could be used; add e.g. oauth: { sub: [...] } to an agent`,
    );
  }
  if (config.oauthClientSecret) registerSecret(config.oauthClientSecret);
  const accessOf = new Map(runtime.tools.map((t) => [t.name, t.access]));
  const introspection =
    config.oauthClientId && config.oauthClientSecret
      ? { clientId: config.oauthClientId, clientSecret: config.oauthClientSecret }
      : undefined;
  return createOAuthResourceServer({
    issuer,
    resource: config.publicUrl ? new URL(MCP_PATH, config.publicUrl).href : undefined,
    audience: config.oauthAudience,
    agents: mapped,
    toAccess: (policy, subject) => runtime.accessFor(policy, subject),
    toolAccess: (name) => accessOf.get(name),
    logger,
    validation: introspection ? { introspection, ...validation } : validation,
  });
}
