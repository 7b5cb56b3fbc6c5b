import { createSandbox, type Sandbox, type SandboxOptions } from "../../src/sandbox/index.js";

/** A parsed JSON body; tests read fields straight off it. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions themselves
export type Json = any;

export interface Reply {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

export function quickSandbox(opts: SandboxOptions = {}): Sandbox {
  return createSandbox({ transitionMs: 0, rateLimits: false, ...opts });
}

export interface CallOptions {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

/** One request through the in-process fetch, with the body parsed when it is JSON. */
export async function call(
  sb: Sandbox,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? "sandbox"}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await sb.fetch(
    new Request(`http://sandbox/v1${path}`, {
      method,
      headers,
      body:
        opts.body === undefined
          ? undefined
          : typeof opts.body === "string"
            ? opts.body
            : JSON.stringify(opts.body),
    }),
  );
  const text = await res.text();
  let body: Json = text;
  if ((res.headers.get("content-type") ?? "").includes("json") && text) body = JSON.parse(text);
  return { status: res.status, body, text, headers: res.headers };
}

export const IMAGE = "flyio/hellofly:latest";

/** Creates a machine in demo-app and returns its JSON. */
export async function createMachine(
  sb: Sandbox,
  extra: Record<string, unknown> = {},
  app = "demo-app",
): Promise<Json> {
  const res = await call(sb, "POST", `/apps/${app}/machines`, {
    body: { config: { image: IMAGE }, ...extra },
  });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body;
}

export function seeded(sb: Sandbox, name: "demo-web" | "demo-worker"): string {
  const app = sb.store.app("demo-app")!;
  return [...app.machines.values()].find((m) => m.name === name)!.id;
}
