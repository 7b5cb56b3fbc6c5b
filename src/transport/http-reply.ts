import type { IncomingMessage, ServerResponse } from "node:http";
import { scrubText } from "../policy/scrub.js";

/** JSON-RPC error codes used by the HTTP layer (the SDK uses the same ones for its own errors). */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  serverError: -32000,
  unauthorized: -32001,
  sessionNotFound: -32001,
} as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = scrubText(JSON.stringify(body));
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Errors outside a JSON-RPC exchange still look like JSON-RPC, so MCP clients can show them. */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: "2.0", error: { code, message }, id: null }, headers);
}

export type BodyResult =
  | { ok: true; value: unknown }
  | { ok: false; status: number; code: number; message: string };

function tooLarge(limit: number): BodyResult {
  return {
    ok: false,
    status: 413,
    code: RPC.serverError,
    message: `Request body too large: the limit is ${limit} bytes`,
  };
}

/** Reads and parses a JSON body, refusing to buffer more than `limit` bytes. */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(tooLarge(limit));

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: BodyResult) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Keep reading into the void so the reply can be written; the connection closes after it.
        req.resume();
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("error", () =>
      finish({
        ok: false,
        status: 400,
        code: RPC.parseError,
        message: "Parse error: the request body could not be read",
      }),
    );
    req.once("end", () => {
      try {
        finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      } catch {
        finish({
          ok: false,
          status: 400,
          code: RPC.parseError,
          message: "Parse error: the body is not valid JSON",
        });
      }
    });
  });
}
