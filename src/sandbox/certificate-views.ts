import { sha256Hex } from "./ids.js";
import { publicAddresses } from "./ips.js";
import type { AppRecord, OrgRecord } from "./state.js";

export interface CustomCertificate {
  issuer: string;
  keyType: "rsa" | "ecdsa";
  expiresAt: string;
  createdAt: string;
}

export interface CertificateRecord {
  hostname: string;
  acmeRequested: boolean;
  /** When Let's Encrypt issued, after a successful check. */
  acmeIssuedAt?: string;
  custom?: CustomCertificate;
  /** DNS found pointing at the app by the last check. */
  configured: boolean;
  checkedAt?: string;
  validationErrors: Array<Record<string, string>>;
  createdAt: string;
  updatedAt: string;
}

const ACME_DAYS = 90;
const DAY_MS = 86_400_000;

const bare = (hostname: string): string => hostname.replace(/^\*\./, "");
const isWildcard = (hostname: string): boolean => hostname.startsWith("*.");

/** Fly's wording for the overall state, as flyctl prints it. */
function status(r: CertificateRecord): string {
  if (!r.configured) return "Awaiting configuration";
  return r.acmeIssuedAt || r.custom ? "Ready" : "Awaiting certificates";
}

function acmeExpiry(r: CertificateRecord): string | undefined {
  return r.acmeIssuedAt ? new Date(Date.parse(r.acmeIssuedAt) + ACME_DAYS * DAY_MS).toISOString() : undefined;
}

function entries(r: CertificateRecord): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (r.acmeRequested) {
    const expires = acmeExpiry(r);
    out.push({
      source: "fly",
      status: r.acmeIssuedAt ? "active" : r.configured ? "pending_validation" : "pending_ownership",
      created_at: r.createdAt,
      ...(expires
        ? {
            expires_at: expires,
            issuer: "Let's Encrypt",
            issued: ["rsa", "ecdsa"].map((type) => ({
              type,
              certificate_authority: "lets_encrypt",
              expires_at: expires,
            })),
          }
        : { issued: [] }),
    });
  }
  if (r.custom) {
    out.push({
      source: "custom",
      status: "active",
      created_at: r.custom.createdAt,
      expires_at: r.custom.expiresAt,
      issuer: r.custom.issuer,
      issued: [
        { type: r.custom.keyType, certificate_authority: r.custom.issuer, expires_at: r.custom.expiresAt },
      ],
    });
  }
  return out;
}

export function dnsRequirements(
  r: CertificateRecord,
  app: AppRecord,
  org: OrgRecord,
): Record<string, unknown> {
  const host = bare(r.hostname);
  return {
    ...publicAddresses(app),
    cname: `${app.name}.fly.dev`,
    acme_challenge: {
      name: `_acme-challenge.${host}`,
      target: `${host}.${sha256Hex(`${app.id}:${host}`).slice(0, 6)}.flydns.net`,
    },
    ownership: {
      name: `_fly-ownership.${host}`,
      app_value: `app-${app.id}`,
      org_value: `org-${org.internalNumericId}`,
    },
  };
}

function validation(r: CertificateRecord): Record<string, boolean> {
  // A wildcard can only be validated through the DNS-01 challenge.
  const direct = r.configured && !isWildcard(r.hostname);
  return {
    alpn_configured: direct,
    http_configured: direct,
    dns_configured: r.configured,
    ownership_txt_configured: r.configured,
  };
}

export function certificateDetail(
  r: CertificateRecord,
  app: AppRecord,
  org: OrgRecord,
): Record<string, unknown> {
  return {
    hostname: r.hostname,
    status: status(r),
    configured: r.configured,
    acme_requested: r.acmeRequested,
    dns_provider: "",
    certificates: entries(r),
    dns_requirements: dnsRequirements(r, app, org),
    validation: validation(r),
    validation_errors: r.validationErrors,
  };
}

export function certificateSummary(r: CertificateRecord): Record<string, unknown> {
  const v = validation(r);
  return {
    hostname: r.hostname,
    status: status(r),
    configured: r.configured,
    acme_requested: r.acmeRequested,
    acme_alpn_configured: v.alpn_configured,
    acme_http_configured: v.http_configured,
    acme_dns_configured: v.dns_configured,
    ownership_txt_configured: v.ownership_txt_configured,
    has_custom_certificate: Boolean(r.custom),
    has_fly_certificate: Boolean(r.acmeIssuedAt),
    dns_provider: "",
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

/** What the check found in DNS: the records it wanted, once they are there. */
export function dnsRecords(r: CertificateRecord, app: AppRecord, org: OrgRecord): Record<string, unknown> {
  if (!r.configured) return { a: [], aaaa: [], cname: [], resolved_addresses: [], soa: "" };
  const wanted = dnsRequirements(r, app, org) as {
    a: string[];
    aaaa: string[];
    acme_challenge: { target: string };
  };
  return {
    a: wanted.a,
    aaaa: wanted.aaaa,
    cname: [`${app.name}.fly.dev`],
    acme_challenge_cname: wanted.acme_challenge.target,
    ownership_txt: `app-${app.id}`,
    resolved_addresses: [...wanted.a, ...wanted.aaaa],
    soa: `ns1.dns.${bare(r.hostname)}. hostmaster.${bare(r.hostname)}. 1 7200 3600 1209600 3600`,
  };
}
