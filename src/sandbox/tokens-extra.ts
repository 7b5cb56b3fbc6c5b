import { createHash, randomBytes } from "node:crypto";
import { isGoDuration, readBody, t } from "./decode.js";
import { ApiError, badRequest } from "./errors.js";
import { requireApp } from "./lookup.js";
import { type Deps, guard, type SandboxRouter } from "./router.js";
import type { Store } from "./state.js";
import { parseToken, type TokenInfo } from "./tokens.js";

const deploySpec = t.object("CreateAppDeployTokenRequest", { expiry: t.string });
const authenticateSpec = t.object("authenticateTokenRequest", { header: t.string });

const ALL_ACTIONS = "rwcdC";

/** The caveats a macaroon of this kind would carry, in the JSON form Fly's macaroon library prints. */
function caveats(store: Store, token: TokenInfo): Array<Record<string, unknown>> {
  const org = store.orgs.get(token.orgSlug);
  const list: Array<Record<string, unknown>> = [
    {
      type: "Organization",
      body: { id: org?.internalNumericId ?? 0, mask: token.kind === "readonly" ? "r" : ALL_ACTIONS },
    },
  ];
  const app = token.app ? store.app(token.app) : undefined;
  if (token.app)
    list.push({ type: "Apps", body: { apps: { [app?.internalNumericId ?? token.app]: ALL_ACTIONS } } });
  // `fly tokens create machine-exec`: a deploy token whose commands caveat sits in an IfPresent with a
  // read-only else-branch (flyctl internal/command/tokens/create.go); `/tokens/current` shows none of it.
  if (token.kind === "exec") {
    list.push({
      type: "IfPresent",
      body: { ifs: [{ type: "Commands", body: [{ args: [], exact: false }] }], else: "r" },
    });
  }
  if (token.kind === "kms") list.push({ type: "FeatureSet", body: { features: { kms: ALL_ACTIONS } } });
  return list;
}

function verified(store: Store, scheme: string, raw: string): Record<string, unknown> {
  const token = parseToken(`${scheme} ${raw}`);
  const digest = createHash("sha256").update(raw).digest();
  return {
    header: `${scheme} ${raw}`,
    caveats: { caveats: caveats(store, token) },
    nonce: { kid: [...digest.subarray(0, 16)], rnd: [...randomBytes(16)], proof: false },
    permission_token: [],
  };
}

export function registerTokensExtra(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;

  // Minting credentials takes an org token, as `fly tokens create deploy` does.
  router.post(
    "/v1/apps/:app_name/deploy_token",
    guard(deps, "tokens_create_deploy", { orgWide: true }),
    async (c) => {
      const app = requireApp(store, c.req.param("app_name"));
      const body = await readBody<{ expiry?: string }>(c, deploySpec, true);
      if (body.expiry !== undefined && !isGoDuration(body.expiry)) {
        throw badRequest(`invalid expiry ${JSON.stringify(body.expiry)}: expected a duration such as "720h"`);
      }
      return c.json({ token: `sandbox-deploy:${app.name}` });
    },
  );

  // A KMS token can use secret keys and nothing else; an app-scoped caller gets one for its app only.
  router.post("/v1/tokens/kms", guard(deps, "tokens_kms"), (c) => {
    const token = c.get("token");
    return c.text(token.app ? `sandbox-kms:${token.app}` : "sandbox-kms", 200);
  });

  // No Authorization needed (security: [] in the spec): it verifies the header in the body.
  router.post("/v1/tokens/authenticate", guard(deps, "tokens_authenticate", { public: true }), async (c) => {
    const body = await readBody<{ header?: string }>(c, authenticateSpec);
    if (!body.header?.trim()) throw badRequest("header is required");
    const match = /^\s*(bearer|flyv1)\s+(.+)$/i.exec(body.header);
    const scheme = match?.[1] === undefined ? "FlyV1" : /^bearer$/i.test(match[1]) ? "Bearer" : "FlyV1";
    const raws = (match?.[2] ?? body.header)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    try {
      // A FlyV1 header may carry several comma-separated tokens (a macaroon and its discharges).
      return c.json(raws.map((raw) => verified(store, scheme, raw)));
    } catch (error) {
      if (error instanceof ApiError) throw badRequest(`token validation error: ${error.message}`);
      throw error;
    }
  });
}
