import type { z } from "zod";
import type { FlyClient, FlyResponse } from "../fly/client.js";
import type { SecretsVersions } from "./secrets-versions.js";

/**
 * What a tool does, by effect: `read` changes nothing (even when sent as a POST), `write` changes
 * infrastructure, `exec` runs a command inside a machine, `admin` mints, reveals or uses credentials
 * and key material. The policy gate decides on this.
 */
export type AccessClass = "read" | "write" | "exec" | "admin";

/**
 * How far a tool reaches: `app` acts inside one existing app named by its arguments; `org` acts on
 * what an org owns beyond any one app (the app list, new apps, Managed Postgres, tokens, platform).
 */
export type Reach = "app" | "org";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type ToolArgs = Record<string, unknown>;

/** What a tool hands back to the agent when it does not use the default shaping. */
export interface ToolOutcome {
  text: string;
  data?: unknown;
  isError?: boolean;
}

export interface ToolContext {
  fly: FlyClient;
  signal?: AbortSignal;
  /** Last secrets version per app, sent as min_secrets_version on machine writes. */
  secretsVersions?: SecretsVersions;
}

/**
 * One Machines API operation as an MCP tool. Everything about a tool is declared here;
 * registration, gating, auditing and error handling are shared by all tools.
 */
export interface ToolDef {
  /** snake_case `<resource>_<action>`, e.g. `machines_start`. */
  name: string;
  title: string;
  /** What it does, when to use it, the one gotcha that matters. */
  description: string;
  /** Group that can be switched on and off (`core`, `certificates`, ...). */
  toolset: string;
  access: AccessClass;
  reach: Reach;
  /**
   * Set when Fly answers with the identity of the machine making the call (OIDC and KMS tokens):
   * on Fly that is the server's own app, so the own-app rule applies to it.
   */
  asServer?: true;
  /**
   * Whether the call loses something another call cannot bring back: always (delete), never, or
   * decided from the arguments (e.g. SIGKILL, a 0s stop timeout).
   */
  destructive: boolean | ((args: ToolArgs) => boolean);
  /**
   * Names what this call would lose, from the arguments and, where they cannot tell, the current
   * state read through Fly (e.g. which secrets an overwrite replaces); empty when nothing is lost.
   * Anything named makes the call destructive. Runs after the gate allowed the call otherwise, and
   * only when the agent's policy denies or confirms destructive calls.
   */
  losses?: (args: ToolArgs, ctx: ToolContext) => Promise<readonly string[]> | readonly string[];
  /** Overrides the idempotency derived from the HTTP method. */
  idempotent?: boolean;
  method: HttpMethod;
  /** Path under /v1 with `{param}` placeholders named after input fields, e.g. `/apps/{app_name}/machines`. */
  path: string;
  /** zod object; every field has `.describe()`. */
  input: z.ZodObject;
  /** Input fields sent as query parameters. `name.*` expands a record arg into `name.{key}=value`. */
  query?: readonly string[];
  /** Input fields sent as JSON body keys (same names as Fly's). */
  body?: readonly string[];
  /** Input field -> request header, e.g. `{ lease_nonce: "fly-machine-lease-nonce" }`. */
  headers?: Readonly<Record<string, string>>;
  /** Input field naming the app the call targets, when it is not `app_name` (e.g. apps_create: `name`). */
  appArg?: string;
  /** Field names whose values must never be logged or echoed (secret values, file contents). */
  sensitive?: readonly string[];
  /** Largest answer read from Fly, when the tool keeps only part of it (exec output); the client caps all. */
  maxResponseBytes?: number;
  /** Per-call timeout in ms, when the default does not fit (wait, exec). */
  timeoutMs?: (args: ToolArgs) => number;
  /** Runs before the request; may rewrite the arguments (e.g. merge a partial machine config). */
  prepare?: (args: ToolArgs, ctx: ToolContext) => Promise<ToolArgs>;
  /** Runs after a successful response, before shaping (e.g. remember a secrets version, wait for a new app). */
  afterSuccess?: (res: FlyResponse, args: ToolArgs, ctx: ToolContext) => Promise<void>;
  /** Shapes a successful response for the agent (lean lists, caps, hiding values). */
  shape?: (res: FlyResponse, args: ToolArgs) => unknown;
  /** Turns a given HTTP status into a non-error outcome (e.g. wait's 408). */
  onStatus?: Readonly<Record<number, (args: ToolArgs) => ToolOutcome>>;
}

export const defineTools = (tools: ToolDef[]): ToolDef[] => tools;
