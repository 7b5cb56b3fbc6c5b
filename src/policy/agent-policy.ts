import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { z } from "zod";
import { TOOLSET_NAMES } from "../tools/default-toolsets.js";
import type { AccessClass } from "../tools/types.js";
import { PUBLIC_KEY_HASHES } from "./public-keys.js";

// The YAML parser is loaded on first use: only --policy needs it, and start-up time counts.
const parseYaml = (text: string): unknown =>
  (createRequire(import.meta.url)("yaml") as typeof import("yaml")).parse(text);

/** `approve`: a destructive call waits for a named approver (see src/approvals). */
export type DestructiveMode = "deny" | "confirm" | "allow" | "approve";

/** What a destructive call needing confirmation does when the client cannot be asked. */
export type ConfirmFallback = "deny" | "echo";

export const ACCESS_CLASSES: readonly AccessClass[] = ["read", "write", "exec", "admin"];

/** What one agent may do. The token scope caps it further. */
export interface AgentPolicy {
  name: string;
  access: AccessClass[];
  /** `"*"`: every app the token reaches. */
  apps: "*" | string[];
  destructive: DestructiveMode;
  /** `allow` restricts to the listed tools (it grants nothing beyond `access`); `deny` always wins. */
  tools?: { allow?: string[]; deny?: string[] };
  reveal_secrets?: boolean;
  /**
   * Toolsets whose tools the agent sees and may call; `"all"` for every one. Absent means every
   * toolset: the server always sets it (from the file, or from --toolsets).
   */
  toolsets?: "all" | string[];
  /** `echo`: when the client cannot be asked, the call goes ahead once repeated with its exact phrase. */
  confirm_fallback?: ConfirmFallback;
  /** SHA-256 hex of the agent's bearer key; see {@link hashKey}. */
  key_sha256?: string;
  /** Access tokens (--oauth-issuer) whose claims name this agent; any one listed value matches. */
  oauth?: OAuthMatch;
  /** With destructive: approve, who may approve this agent's calls; omitted: every approver. */
  approvers?: string[];
  /** Where the policy came from, so denials can name the setting to change. */
  source?: "flags" | "file";
}

export interface OAuthMatch {
  sub?: string[];
  groups?: string[];
  client_id?: string[];
}

/** A person who approves destructive calls of agents with destructive: approve. */
export interface Approver {
  name: string;
  /** SHA-256 hex of the approver's key; see {@link hashKey}. */
  key_sha256: string;
}

export interface PolicyFile {
  /** Path it was loaded from, for messages. */
  path: string;
  agents: Record<string, AgentPolicy>;
  /** The `approvers:` mapping; empty when the file has none. */
  approvers?: Record<string, Approver>;
  /** Settings that are valid but likely not what the operator means, one line each. */
  warnings?: string[];
}

export interface PolicyIssue {
  /** Location inside the file, e.g. `agents.ci-deployer.access[1]`; empty for the whole file. */
  at: string;
  message: string;
}

/** A policy file that cannot be used; `message` names the file, where in it, and the fix. */
export class PolicyFileError extends Error {
  override readonly name = "PolicyFileError";
  constructor(
    readonly file: string,
    readonly issues: readonly PolicyIssue[],
  ) {
    super(formatIssues(file, issues));
  }
}

function formatIssues(file: string, issues: readonly PolicyIssue[]): string {
  const line = (i: PolicyIssue) => (i.at ? `${i.at}: ${i.message}` : i.message);
  if (issues.length === 1) return `policy file ${file}: ${line(issues[0]!)}`;
  return `policy file ${file} has ${issues.length} problems:\n${issues.map((i) => `  - ${line(i)}`).join("\n")}`;
}

const MAKE_KEY =
  "make a key with KEY=$(openssl rand -base64 32 | tr -d '=+/') and its hash with " +
  'printf %s "$KEY" | fly-machines-mcp hash-key';

const KEY_HASH_HELP = `must be the SHA-256 of the agent key as 64 lowercase hex characters, never the key itself: ${MAKE_KEY}`;

const APPROVER_LIST_HELP =
  "must be a non-empty list of names from the top-level approvers:, e.g. [alice, bob]";

const APPS_HELP = 'must be "*" (every app) or a non-empty list of app names, e.g. [my-app]';

const AGENT_FIELDS = [
  "key_sha256",
  "access",
  "apps",
  "destructive",
  "confirm_fallback",
  "toolsets",
  "tools",
  "reveal_secrets",
  "oauth",
  "approvers",
] as const;

const DESTRUCTIVE_MODES = ["deny", "confirm", "allow", "approve"] as const;

const TOOLSETS_HELP = `must be all or a non-empty list of toolsets, e.g. [core, certificates]; the toolsets are ${TOOLSET_NAMES.join(", ")}`;

const OAUTH_FIELDS = ["sub", "groups", "client_id"] as const;

const claimList = z
  .array(z.string().min(1, { error: "claim values cannot be empty" }), {
    error: 'must be a list of claim values, e.g. ["auth0|abc123"]',
  })
  .min(1, { error: "must list at least one value, or leave the field out" })
  .optional();

const oauthSchema = z
  .strictObject(
    { sub: claimList, groups: claimList, client_id: claimList },
    { error: "must be a mapping with sub, groups and/or client_id lists, e.g. { sub: [alice] }" },
  )
  .refine((m) => OAUTH_FIELDS.some((f) => m[f] !== undefined), {
    error: "names no claim; list sub, groups or client_id values, or remove oauth",
  });

const agentSchema = z.strictObject(
  {
    key_sha256: z
      .string({ error: KEY_HASH_HELP })
      .regex(/^[0-9a-f]{64}$/, { error: KEY_HASH_HELP })
      .optional(),
    oauth: oauthSchema.optional(),
    access: z
      .array(z.enum(ACCESS_CLASSES as [AccessClass, ...AccessClass[]]), {
        error: "must be a list, e.g. [read, write]",
      })
      .min(1, { error: `must list at least one of ${ACCESS_CLASSES.join(", ")}` })
      .optional(),
    apps: z
      .union(
        [
          z.literal("*"),
          z.array(z.string().min(1, { error: "app names cannot be empty" })).min(1, { error: APPS_HELP }),
        ],
        {
          error: APPS_HELP,
        },
      )
      .optional(),
    destructive: z.enum(DESTRUCTIVE_MODES).optional(),
    confirm_fallback: z.enum(["deny", "echo"]).optional(),
    // Names are checked after parsing (toolsetIssues), so a typo gets a suggestion.
    toolsets: z
      .union([z.literal("all"), z.array(z.string().min(1), { error: TOOLSETS_HELP }).min(1)], {
        error: TOOLSETS_HELP,
      })
      .optional(),
    tools: z
      .strictObject(
        {
          allow: z.array(z.string().min(1), { error: "must be a list of tool names" }).optional(),
          deny: z.array(z.string().min(1), { error: "must be a list of tool names" }).optional(),
        },
        { error: "must be a mapping with allow and/or deny lists, e.g. { deny: [secrets_delete] }" },
      )
      .optional(),
    reveal_secrets: z.boolean({ error: "must be true or false" }).optional(),
    approvers: z
      .array(z.string().min(1), { error: APPROVER_LIST_HELP })
      .min(1, { error: APPROVER_LIST_HELP })
      .optional(),
  },
  { error: "must be a mapping of policy fields, e.g. { access: [read], apps: [my-app] }" },
);

const APPROVER_KEY_HELP = KEY_HASH_HELP.replace("agent key", "approver key");

const approverSchema = z.strictObject(
  {
    key_sha256: z.string({ error: APPROVER_KEY_HELP }).regex(/^[0-9a-f]{64}$/, { error: APPROVER_KEY_HELP }),
  },
  { error: "must be a mapping with key_sha256, e.g. alice: { key_sha256: <hash> }" },
);

const fileSchema = z.strictObject({
  agents: z.record(z.string().min(1), agentSchema, {
    error: "must be a mapping of agent names to policies, e.g. agents: { ci-deployer: { access: [read] } }",
  }),
  approvers: z
    .record(z.string().min(1), approverSchema, {
      error:
        "must be a mapping of approver names to key hashes, e.g. approvers: { alice: { key_sha256: <hash> } }",
    })
    .optional(),
});

type Path = readonly PropertyKey[];

/** `agents.ci-deployer.access[1]`; names that are not plain words are quoted. */
export function formatPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(part))) out += out ? `.${String(part)}` : String(part);
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const part of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = "a value that refers to itself";
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function issueFor(issue: z.core.$ZodIssue, root: unknown): PolicyIssue {
  const path = issue.path;
  const last = path[path.length - 1];
  if (issue.code === "unrecognized_keys") {
    const allowed =
      path.length === 0
        ? ["agents", "approvers"]
        : last === "tools"
          ? ["allow", "deny"]
          : last === "oauth"
            ? [...OAUTH_FIELDS]
            : path[0] === "approvers"
              ? ["key_sha256"]
              : [...AGENT_FIELDS];
    const keys = issue.keys;
    return {
      at: formatPath([...path, keys[0]!]),
      message:
        `unknown field${keys.length > 1 ? `s ${keys.map((k) => `"${k}"`).join(", ")}` : ` "${keys[0]}"`}; ` +
        `allowed fields here: ${allowed.join(", ")}`,
    };
  }
  const got = valueAt(root, path);
  // agents.<name>.access[i]: an agent may itself be named `access`.
  if (issue.code === "invalid_value" && path[2] === "access") {
    return {
      at: formatPath(path),
      message: `got ${shown(got)}; must be one of ${ACCESS_CLASSES.join(", ")}`,
    };
  }
  if (issue.code === "invalid_value" && last === "destructive") {
    return {
      at: formatPath(path),
      message: `got ${shown(got)}; must be one of ${DESTRUCTIVE_MODES.join(", ")}`,
    };
  }
  if (issue.code === "invalid_value" && last === "confirm_fallback") {
    return { at: formatPath(path), message: `got ${shown(got)}; must be deny (the default) or echo` };
  }
  if (issue.code === "invalid_type" && got === undefined && path.length === 1 && last === "agents") {
    return { at: "agents", message: "is missing; the file must have a top-level `agents:` mapping" };
  }
  // The key hash field may hold a pasted raw key, so its value is never echoed.
  const echo = got !== undefined && last !== "key_sha256" && issue.code !== "too_small";
  return { at: formatPath(path), message: echo ? `got ${shown(got)}; ${issue.message}` : issue.message };
}

/** `all`, alone or in a list, means every toolset; otherwise the list without repeats. */
export const normalizeToolsets = (names: "all" | readonly string[]): "all" | string[] =>
  names === "all" || names.includes("all") ? "all" : [...new Set(names)];

function withDefaults(
  name: string,
  raw: z.infer<typeof agentSchema>,
  defaultToolsets: "all" | readonly string[] | undefined,
): AgentPolicy {
  const policy: AgentPolicy = {
    name,
    access: raw.access ? [...new Set(raw.access)] : ["read"],
    apps: raw.apps === undefined || raw.apps === "*" ? "*" : [...new Set(raw.apps)],
    destructive: raw.destructive ?? "confirm",
    source: "file",
  };
  const toolsets = raw.toolsets ?? defaultToolsets;
  if (toolsets !== undefined) policy.toolsets = normalizeToolsets(toolsets);
  if (raw.confirm_fallback !== undefined) policy.confirm_fallback = raw.confirm_fallback;
  if (raw.tools) policy.tools = { ...raw.tools };
  if (raw.reveal_secrets !== undefined) policy.reveal_secrets = raw.reveal_secrets;
  if (raw.key_sha256 !== undefined) policy.key_sha256 = raw.key_sha256;
  if (raw.oauth) policy.oauth = { ...raw.oauth };
  if (raw.approvers !== undefined) policy.approvers = [...new Set(raw.approvers)];
  return policy;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Issues for tool names in allow/deny lists that no tool has (a typo there would silently do nothing). */
export function unknownToolIssues(
  file: Pick<PolicyFile, "agents">,
  knownTools: readonly string[],
): PolicyIssue[] {
  const known = new Set(knownTools);
  const issues: PolicyIssue[] = [];
  for (const [agent, policy] of Object.entries(file.agents)) {
    for (const list of ["allow", "deny"] as const) {
      (policy.tools?.[list] ?? []).forEach((tool, i) => {
        if (known.has(tool)) return;
        const guess = closest(tool, knownTools);
        issues.push({
          at: formatPath(["agents", agent, "tools", list, i]),
          message: `unknown tool ${JSON.stringify(tool)}; ${guess ? `did you mean "${guess}"? ` : ""}tool names are listed by tools/list`,
        });
      });
    }
  }
  return issues;
}

/** Issues for toolset names no toolset has: a typo would hide tools the operator meant to give. */
function toolsetIssues(agents: Record<string, z.infer<typeof agentSchema>>): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  for (const [agent, raw] of Object.entries(agents)) {
    if (!Array.isArray(raw.toolsets)) continue;
    raw.toolsets.forEach((name, i) => {
      if (name === "all" || TOOLSET_NAMES.includes(name)) return;
      const guess = closest(name, TOOLSET_NAMES);
      issues.push({
        at: formatPath(["agents", agent, "toolsets", i]),
        message: `unknown toolset ${JSON.stringify(name)}; ${guess ? `did you mean "${guess}"? ` : ""}the toolsets are all, ${TOOLSET_NAMES.join(", ")}`,
      });
    });
  }
  return issues;
}

/** Throws a PolicyFileError when allow/deny lists name tools that do not exist. */
export function checkToolNames(file: PolicyFile, knownTools: readonly string[]): void {
  const issues = unknownToolIssues(file, knownTools);
  if (issues.length > 0) throw new PolicyFileError(file.path, issues);
}

/** Agent and approver keys: none published, none shared (an approver key must never open /mcp). */
function duplicateKeyIssues(
  agents: Record<string, AgentPolicy>,
  approvers: Record<string, Approver>,
): PolicyIssue[] {
  const seen = new Map<string, string>();
  const issues: PolicyIssue[] = [];
  const holders = [
    ...Object.entries(agents).map(([name, p]) => ({ section: "agents", name, hash: p.key_sha256 })),
    ...Object.entries(approvers).map(([name, a]) => ({ section: "approvers", name, hash: a.key_sha256 })),
  ];
  for (const { section, name, hash } of holders) {
    if (!hash) continue;
    if (PUBLIC_KEY_HASHES.has(hash)) {
      issues.push({
        at: formatPath([section, name, "key_sha256"]),
        message: `is the hash of a key published in this project's repository, so anyone could use it; ${MAKE_KEY}`,
      });
      continue;
    }
    const other = seen.get(hash);
    if (other !== undefined) {
      issues.push({
        at: formatPath([section, name, "key_sha256"]),
        message: `same key hash as ${other}; give each agent and approver its own key`,
      });
    } else seen.set(hash, `${section}.${name}`);
  }
  return issues;
}

/** `destructive: approve` needs someone to approve; agents' approver lists name known approvers. */
function approverIssues(
  agents: Record<string, AgentPolicy>,
  approvers: Record<string, Approver>,
): PolicyIssue[] {
  const known = Object.keys(approvers);
  const issues: PolicyIssue[] = [];
  for (const [name, policy] of Object.entries(agents)) {
    if (policy.destructive === "approve" && known.length === 0) {
      issues.push({
        at: formatPath(["agents", name, "destructive"]),
        message:
          "is approve, but the file has no approvers; add a top-level approvers: { alice: { key_sha256: <hash> } } " +
          '(hash from: printf %s "$KEY" | fly-machines-mcp hash-key)',
      });
    }
    (policy.approvers ?? []).forEach((approver, i) => {
      if (approvers[approver]) return;
      issues.push({
        at: formatPath(["agents", name, "approvers", i]),
        message: `unknown approver ${JSON.stringify(approver)}; the top-level approvers: are ${known.join(", ") || "none"}`,
      });
    });
    if (policy.approvers && policy.destructive !== "approve") {
      issues.push({
        at: formatPath(["agents", name, "approvers"]),
        message: "only applies with destructive: approve; set destructive: approve or remove approvers",
      });
    }
  }
  return issues;
}

/** A claim value listed by two agents: every token carrying it would be refused as ambiguous. */
function duplicateOAuthIssues(agents: Record<string, AgentPolicy>): PolicyIssue[] {
  const seen = new Map<string, string>();
  const issues: PolicyIssue[] = [];
  for (const [name, policy] of Object.entries(agents)) {
    for (const field of OAUTH_FIELDS) {
      (policy.oauth?.[field] ?? []).forEach((value, i) => {
        const other = seen.get(`${field}\0${value}`);
        if (other === undefined) seen.set(`${field}\0${value}`, name);
        else if (other !== name)
          issues.push({
            at: formatPath(["agents", name, "oauth", field, i]),
            message: `${JSON.stringify(value)} is also listed by agents.${other}; a token must map to one agent`,
          });
      });
    }
  }
  return issues;
}

/** Where a value contains itself (a recursive YAML alias), or undefined. */
function selfReference(root: unknown): Path | undefined {
  const visit = (value: unknown, path: PropertyKey[], ancestors: Set<object>): Path | undefined => {
    if (value === null || typeof value !== "object") return undefined;
    if (ancestors.has(value)) return path;
    ancestors.add(value);
    for (const [key, child] of Object.entries(value)) {
      const found = visit(child, [...path, Array.isArray(value) ? Number(key) : key], ancestors);
      if (found) return found;
    }
    ancestors.delete(value);
    return undefined;
  };
  return visit(root, [], new Set());
}

/** Parses policy text (YAML, or JSON which is YAML too). `file` names the source in errors. */
export interface PolicyOptions {
  /** Tool names, to refuse a typo in allow/deny lists. */
  knownTools?: readonly string[];
  /** Toolsets of an agent that names none (the server passes --toolsets). Absent: every toolset. */
  defaultToolsets?: "all" | readonly string[];
}

export function parsePolicy(text: string, file: string, options: PolicyOptions = {}): PolicyFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new PolicyFileError(file, [
      { at: "", message: `is not valid YAML or JSON: ${detail}; fix the syntax at that line` },
    ]);
  }
  const cycle = selfReference(raw);
  if (cycle) {
    throw new PolicyFileError(file, [
      {
        at: formatPath(cycle),
        message: "refers to itself through a YAML alias (*name inside &name); write the values out",
      },
    ]);
  }
  if (raw === null || raw === undefined) {
    throw new PolicyFileError(file, [
      {
        at: "",
        message: "is empty; it needs an `agents:` mapping, e.g. agents: { my-agent: { access: [read] } }",
      },
    ]);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyFileError(
      file,
      parsed.error.issues.map((issue) => issueFor(issue, raw)),
    );
  }
  const badToolsets = toolsetIssues(parsed.data.agents);
  if (badToolsets.length > 0) throw new PolicyFileError(file, badToolsets);
  const agents: Record<string, AgentPolicy> = {};
  for (const [name, agent] of Object.entries(parsed.data.agents))
    agents[name] = withDefaults(name, agent, options.defaultToolsets);
  const approvers: Record<string, Approver> = {};
  for (const [name, a] of Object.entries(parsed.data.approvers ?? {}))
    approvers[name] = { name, key_sha256: a.key_sha256 };
  const policyFile: PolicyFile = { path: file, agents, approvers };
  const execNoReveal = Object.values(agents).filter(
    (a) => a.access.includes("exec") && a.reveal_secrets !== true,
  );
  if (execNoReveal.length > 0) {
    const names = execNoReveal.map((a) => a.name).join(", ");
    policyFile.warnings = [
      `policy file ${file}: agents ${names} have exec but not reveal_secrets: exec can read secret values (printenv), so reveal_secrets: false does not hide them from these agents`,
    ];
  }
  const idleEcho = Object.values(agents).filter(
    (a) => a.confirm_fallback === "echo" && a.destructive !== "confirm",
  );
  if (idleEcho.length > 0) {
    policyFile.warnings = [
      ...(policyFile.warnings ?? []),
      `policy file ${file}: agents ${idleEcho.map((a) => a.name).join(", ")} have confirm_fallback: echo without destructive: confirm, so it never applies`,
    ];
  }
  const issues = [
    ...duplicateKeyIssues(agents, approvers),
    ...duplicateOAuthIssues(agents),
    ...approverIssues(agents, approvers),
    ...(options.knownTools ? unknownToolIssues(policyFile, options.knownTools) : []),
  ];
  if (issues.length > 0) throw new PolicyFileError(file, issues);
  return policyFile;
}

/** Reads and validates a policy file; every problem is a PolicyFileError naming file, place and fix. */
export async function loadPolicyFile(path: string, options: PolicyOptions = {}): Promise<PolicyFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "does not exist" : code === "EACCES" ? "is not readable" : "cannot be read";
    throw new PolicyFileError(path, [
      { at: "", message: `${why} (${code ?? String(error)}); check the --policy path` },
    ]);
  }
  return parsePolicy(text, path, options);
}

export interface PolicyFlags {
  /** `write` implies read; `all` is read, write and exec. */
  access?: "read" | "write" | "all";
  destructive?: DestructiveMode;
  /** Apps the agent is pinned to; omitted or empty means every app. */
  apps?: readonly string[];
  revealSecrets?: boolean;
  name?: string;
  /** Toolsets the local agent sees and may call (--toolsets); omitted means every toolset. */
  toolsets?: "all" | readonly string[];
  confirmFallback?: ConfirmFallback;
}

const FLAG_ACCESS: Record<NonNullable<PolicyFlags["access"]>, AccessClass[]> = {
  read: ["read"],
  write: ["read", "write"],
  all: ["read", "write", "exec"],
};

/** The policy of the local stdio agent, from command-line flags. Defaults: read only, confirm destructive. */
export function policyFromFlags(flags: PolicyFlags = {}): AgentPolicy {
  const apps = flags.apps?.filter((a) => a !== "*" && a !== "") ?? [];
  const policy: AgentPolicy = {
    name: flags.name ?? "local",
    access: [...FLAG_ACCESS[flags.access ?? "read"]],
    apps: apps.length > 0 && !flags.apps?.includes("*") ? [...new Set(apps)] : "*",
    destructive: flags.destructive ?? "confirm",
    source: "flags",
  };
  if (flags.revealSecrets) policy.reveal_secrets = true;
  if (flags.toolsets !== undefined) policy.toolsets = normalizeToolsets(flags.toolsets);
  if (flags.confirmFallback !== undefined) policy.confirm_fallback = flags.confirmFallback;
  return policy;
}

/**
 * Hex SHA-256 of an agent key: the UTF-8 bytes of the key after `String.prototype.trim()` (leading
 * and trailing whitespace and line breaks removed, so a key read from a file with a trailing newline
 * hashes the same). Equivalent to `printf %s "$KEY" | sha256sum` for a key without surrounding spaces.
 */
export function hashKey(key: string): string {
  return createHash("sha256").update(key.trim(), "utf8").digest("hex");
}

/** The agent whose key hash matches the presented bearer key, compared in constant time. */
export function findAgentByKey(
  file: Pick<PolicyFile, "agents">,
  presentedKey: string,
): { name: string; policy: AgentPolicy } | undefined {
  if (presentedKey.trim() === "") return undefined;
  const presented = Buffer.from(hashKey(presentedKey), "hex");
  let found: { name: string; policy: AgentPolicy } | undefined;
  // Every agent is compared, so the time taken does not reveal which one matched.
  for (const [name, policy] of Object.entries(file.agents)) {
    if (!policy.key_sha256 || !/^[0-9a-f]{64}$/.test(policy.key_sha256)) continue;
    const stored = Buffer.from(policy.key_sha256, "hex");
    if (timingSafeEqual(stored, presented) && !found) found = { name, policy };
  }
  return found;
}

/** The approver whose key hash matches the presented key, compared in constant time. */
export function findApproverByKey(
  approvers: Readonly<Record<string, Approver>>,
  presentedKey: string,
): Approver | undefined {
  if (presentedKey.trim() === "") return undefined;
  const presented = Buffer.from(hashKey(presentedKey), "hex");
  let found: Approver | undefined;
  for (const approver of Object.values(approvers)) {
    if (!/^[0-9a-f]{64}$/.test(approver.key_sha256)) continue;
    if (timingSafeEqual(Buffer.from(approver.key_sha256, "hex"), presented) && !found) found = approver;
  }
  return found;
}
