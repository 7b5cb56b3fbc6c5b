import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";
import type { SandboxOptions } from "./options.js";
import { CONNECTION_RESET, createSandboxCore, type Sandbox } from "./sandbox.js";

export interface SandboxServer {
  /** Base URL to give the Fly client, e.g. `http://127.0.0.1:43123`. */
  url: string;
  /** The sandbox behind the server, for reading or arranging state. */
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** Serves the same sandbox over real HTTP. Port 0 picks a free port; the url reports the real one. */
export function startSandboxServer(
  opts: SandboxOptions & { port: number; host?: string },
): Promise<SandboxServer> {
  const { port, host = "127.0.0.1", ...rest } = opts;
  const { sandbox, dispatch } = createSandboxCore(rest);
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        hostname: host,
        port,
        fetch: async (req: Request, env) => {
          const bindings = env as HttpBindings;
          const res = await dispatch(req, bindings);
          if (res !== CONNECTION_RESET) return res;
          bindings.incoming.socket.destroy();
          return new Response(null, { status: 500 });
        },
      },
      (info: AddressInfo) => {
        const hostPart = info.family === "IPv6" ? `[${info.address}]` : info.address;
        resolve({
          url: `http://${hostPart}:${info.port}`,
          sandbox,
          close: () =>
            new Promise<void>((done, fail) => {
              sandbox.reset();
              server.close((err) => (err ? fail(err) : done()));
              if ("closeAllConnections" in server) server.closeAllConnections();
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
