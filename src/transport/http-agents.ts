import type { AccessControl } from "../server.js";
import type { AgentIdentity } from "./http-mcp.js";

/** Who holds which bearer key. The HTTP server only ever asks this; it never sees stored keys. */
export interface AgentDirectory {
  /** The agent the key belongs to; the comparison must be constant-time. */
  authenticate(bearerKey: string): AgentIdentity | undefined;
  /** How many agents have a key; 0 means nobody can authenticate. */
  readonly size: number;
}

export interface AgentDirectoryOptions<P> {
  size: number;
  /** e.g. `(key) => findAgentByKey(policyFile, key)` */
  lookup(bearerKey: string): { name: string; policy: P } | undefined;
  toAccess(name: string, policy: P): AccessControl;
}

/** Adapts a key lookup and a policy-to-access mapping; each agent's access is built once. */
export function createAgentDirectory<P>(opts: AgentDirectoryOptions<P>): AgentDirectory {
  const built = new Map<string, AccessControl>();
  return {
    size: opts.size,
    authenticate(bearerKey) {
      const found = opts.lookup(bearerKey);
      if (!found) return undefined;
      let access = built.get(found.name);
      if (!access) {
        access = opts.toAccess(found.name, found.policy);
        built.set(found.name, access);
      }
      return { agent: found.name, access };
    },
  };
}
