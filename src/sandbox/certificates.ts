import { createPrivateKey, X509Certificate } from "node:crypto";
import {
  type CertificateRecord,
  type CustomCertificate,
  certificateDetail,
  certificateSummary,
  dnsRecords,
} from "./certificate-views.js";
import { queryInt, readBody, t } from "./decode.js";
import { ApiError, notFound } from "./errors.js";
import { requireApp } from "./lookup.js";
import { paginate } from "./paging.js";
import { type Deps, guard, type SandboxContext, type SandboxRouter } from "./router.js";
import type { AppRecord, Store } from "./state.js";

const HOSTNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;
/** RFC 2606 reserves `.invalid`: such names never resolve, so their check never passes. */
const NEVER_RESOLVES = /\.invalid$/;

const acmeSpec = t.object("createAcmeCertificateRequest", { hostname: t.string });
const customSpec = t.object("createCustomCertificateRequest", {
  fullchain: t.string,
  hostname: t.string,
  private_key: t.string,
});

const unprocessable = (message: string): ApiError => new ApiError(422, message);

function checkHostname(raw: string | undefined): string {
  const hostname = (raw ?? "").trim().toLowerCase();
  if (!hostname) throw unprocessable("hostname is required");
  if (hostname.length > 253 || !HOSTNAME.test(hostname)) {
    throw unprocessable(
      `invalid hostname ${JSON.stringify(raw)}: expected a DNS name such as www.example.com`,
    );
  }
  return hostname;
}

/** Hostnames are global on Fly: one app owns each. */
function ownerOf(store: Store, hostname: string): AppRecord | undefined {
  return [...store.apps.values()].find((app) => app.certificates.has(hostname));
}

function claim(store: Store, app: AppRecord, hostname: string): CertificateRecord {
  const owner = ownerOf(store, hostname);
  if (owner && owner !== app) throw unprocessable(`Hostname "${hostname}" is already in use by another app`);
  const existing = app.certificates.get(hostname);
  if (existing) return existing;
  const now = new Date().toISOString();
  const record: CertificateRecord = {
    hostname,
    acmeRequested: false,
    configured: false,
    validationErrors: [],
    createdAt: now,
    updatedAt: now,
  };
  app.certificates.set(hostname, record);
  return record;
}

const commonName = (dn: string): string => /(?:^|\n)CN=([^\n]+)/.exec(dn)?.[1] ?? dn.split("\n")[0] ?? dn;

/** Parses the upload the way Fly must to serve it: chain, key, key match, hostname, dates. */
function parseCustom(hostname: string, fullchain?: string, privateKey?: string): CustomCertificate {
  if (!fullchain?.trim() || !privateKey?.trim())
    throw unprocessable("fullchain and private_key are required");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(fullchain);
  } catch (error) {
    throw unprocessable(`could not parse fullchain as a PEM certificate: ${(error as Error).message}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(privateKey);
  } catch (error) {
    throw unprocessable(`could not parse private_key as a PEM private key: ${(error as Error).message}`);
  }
  const kind = cert.publicKey.asymmetricKeyType;
  if (kind !== "rsa" && kind !== "ec") throw unprocessable(`unsupported key type ${kind}: use RSA or ECDSA`);
  if (!cert.checkPrivateKey(key))
    throw unprocessable("private_key does not match the certificate in fullchain");
  const names = (cert.subjectAltName ?? "").split(", ");
  const covers = hostname.startsWith("*.")
    ? names.includes(`DNS:${hostname}`)
    : cert.checkHost(hostname) !== undefined;
  if (!covers)
    throw unprocessable(
      `the certificate does not cover ${hostname} (it names ${cert.subjectAltName ?? cert.subject})`,
    );
  const expires = new Date(cert.validTo);
  if (expires.getTime() <= Date.now())
    throw unprocessable(`the certificate expired on ${expires.toISOString()}`);
  return {
    issuer: commonName(cert.issuer),
    keyType: kind === "ec" ? "ecdsa" : "rsa",
    expiresAt: expires.toISOString(),
    createdAt: new Date().toISOString(),
  };
}

export function registerCertificates(router: SandboxRouter, deps: Deps): void {
  const { store } = deps;
  const base = "/v1/apps/:app_name/certificates";

  const lookup = (c: SandboxContext) => {
    const app = requireApp(store, c.req.param("app_name") ?? "");
    const hostname = (c.req.param("hostname") ?? "").toLowerCase();
    const record = app.certificates.get(hostname);
    if (!record) throw notFound(`certificate not found: ${hostname} is not a hostname of app ${app.name}`);
    return { app, record, detail: () => certificateDetail(record, app, store.orgs.get(app.orgSlug)!) };
  };

  router.get(base, guard(deps, "certificates_list"), (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const filter = (c.req.query("filter") ?? "").toLowerCase();
    const limit = queryInt(c, "limit", 1, 500) ?? 25;
    const matches = [...app.certificates.values()].filter((r) => r.hostname.includes(filter));
    const { page, next } = paginate(matches, (r) => r.hostname, limit, c.req.query("cursor"));
    return c.json({
      certificates: page.map(certificateSummary),
      total_count: matches.length,
      ...(next ? { next_cursor: next } : {}),
    });
  });

  router.post(`${base}/acme`, guard(deps, "certificates_acme_create"), async (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const body = await readBody<{ hostname?: string }>(c, acmeSpec);
    const hostname = checkHostname(body.hostname);
    const record = claim(store, app, hostname);
    if (record.acmeRequested)
      throw unprocessable(`Hostname "${hostname}" already has an ACME certificate request on this app`);
    record.acmeRequested = true;
    // DNS already checked (a custom certificate came first): Let's Encrypt can issue straight away.
    if (record.configured) record.acmeIssuedAt = new Date().toISOString();
    record.updatedAt = new Date().toISOString();
    return c.json(certificateDetail(record, app, store.orgs.get(app.orgSlug)!), 201);
  });

  router.post(`${base}/custom`, guard(deps, "certificates_custom_create"), async (c) => {
    const app = requireApp(store, c.req.param("app_name"));
    const body = await readBody<{ hostname?: string; fullchain?: string; private_key?: string }>(
      c,
      customSpec,
    );
    const hostname = checkHostname(body.hostname);
    const custom = parseCustom(hostname, body.fullchain, body.private_key);
    const record = claim(store, app, hostname);
    record.custom = custom;
    record.updatedAt = custom.createdAt;
    return c.json(certificateDetail(record, app, store.orgs.get(app.orgSlug)!), 201);
  });

  router.get(`${base}/:hostname`, guard(deps, "certificates_show"), (c) => c.json(lookup(c).detail()));

  router.post(`${base}/:hostname/check`, guard(deps, "certificates_check"), (c) => {
    const { app, record, detail } = lookup(c);
    const now = new Date().toISOString();
    record.checkedAt = now;
    record.updatedAt = now;
    if (NEVER_RESOLVES.test(record.hostname)) {
      record.configured = false;
      record.validationErrors = [
        {
          code: "dns_not_configured",
          message: `no A, AAAA or CNAME record for ${record.hostname} points at the app`,
          remediation: `add a CNAME record from ${record.hostname} to ${app.name}.fly.dev`,
          timestamp: now,
        },
      ];
    } else {
      record.configured = true;
      record.validationErrors = [];
      if (record.acmeRequested && !record.acmeIssuedAt) record.acmeIssuedAt = now;
    }
    return c.json({ ...detail(), dns_records: dnsRecords(record, app, store.orgs.get(app.orgSlug)!) });
  });

  router.delete(`${base}/:hostname`, guard(deps, "certificates_delete"), (c) => {
    const { app, record } = lookup(c);
    app.certificates.delete(record.hostname);
    return c.body(null, 204);
  });

  router.delete(`${base}/:hostname/acme`, guard(deps, "certificates_acme_delete"), (c) => {
    const { record, detail } = lookup(c);
    if (!record.acmeRequested) throw notFound(`${record.hostname} has no ACME certificate`);
    record.acmeRequested = false;
    record.acmeIssuedAt = undefined;
    record.updatedAt = new Date().toISOString();
    return c.json(detail());
  });

  router.delete(`${base}/:hostname/custom`, guard(deps, "certificates_custom_delete"), (c) => {
    const { record, detail } = lookup(c);
    if (!record.custom) throw notFound(`${record.hostname} has no custom certificate`);
    record.custom = undefined;
    record.updatedAt = new Date().toISOString();
    const warning = record.acmeRequested
      ? undefined
      : `no certificate is left for ${record.hostname}: TLS requests fail until you request an ACME certificate or upload another`;
    return c.json({ ...detail(), ...(warning ? { warning } : {}) });
  });
}
