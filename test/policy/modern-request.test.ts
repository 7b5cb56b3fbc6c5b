import type { ServerContext } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import { modernRequest, processConfirmDefaults } from "../../src/policy/request-state-defaults.js";

const VERSION = "io.modelcontextprotocol/protocolVersion";
const CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
const ctx = (envelope: Record<string, unknown> | undefined) =>
  ({ mcpReq: { envelope } }) as unknown as ServerContext;
const modern = (capabilities?: unknown) =>
  modernRequest(
    ctx({ [VERSION]: "2026-07-28", ...(capabilities === undefined ? {} : { [CAPABILITIES]: capabilities }) }),
  );

describe("a 2026-07-28 request", () => {
  it("is one that carries the protocol version in its envelope", () => {
    expect(modernRequest(ctx(undefined))).toBeUndefined();
    expect(modernRequest(ctx({}))).toBeUndefined();
    expect(modernRequest(ctx({ [CAPABILITIES]: { elicitation: {} } }))).toBeUndefined();
    expect(modern()).toEqual({ canElicit: false });
  });

  it("can be asked a form when it declares form elicitation, or elicitation as an empty object", () => {
    expect(modern({ elicitation: { form: {} } })).toEqual({ canElicit: true });
    expect(modern({ elicitation: { form: {}, url: {} } })).toEqual({ canElicit: true });
    expect(modern({ elicitation: {} })).toEqual({ canElicit: true });
    expect(modern({ elicitation: { url: {} } })).toEqual({ canElicit: false });
    expect(modern({})).toEqual({ canElicit: false });
    expect(modern({ sampling: {} })).toEqual({ canElicit: false });
  });
});

describe("the process's confirmation defaults", () => {
  it("are one key and one store for every server of the process", () => {
    const first = processConfirmDefaults();
    const again = processConfirmDefaults();
    expect(again).toBe(first);
    expect(first.key).toHaveLength(32);
    expect(first.store.shared).toBe(false);
  });
});
