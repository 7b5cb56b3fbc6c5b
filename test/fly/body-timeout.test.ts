import { describe, expect, it } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";

/** Answers 200 with the start of a JSON body and never finishes it, until the request is aborted. */
const halfAnswer: typeof fetch = async (input, init) => {
  const signal = (init?.signal ?? (input as Request).signal) as AbortSignal | undefined;
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"a":'));
      signal?.addEventListener("abort", () => controller.error(signal.reason));
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
};

describe("the per-call timeout", () => {
  it("also bounds reading the body, not only waiting for the headers", async () => {
    const fly = createFlyClient({ baseUrl: "http://x", userAgent: "t", fetch: halfAnswer, rateLimits: false, retry: false });
    const error = await fly.request({ method: "POST", path: "/apps/a/machines", timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlyApiError);
    expect((error as FlyApiError).details).toMatchObject({ kind: "timeout", outcomeUnknown: true });
  });
});
