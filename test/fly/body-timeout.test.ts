import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFlyClient } from "../../src/fly/client.js";
import { FlyApiError } from "../../src/fly/errors.js";
import { settle, useFakeClock } from "./support.js";

beforeEach(() => useFakeClock());
afterEach(() => vi.useRealTimers());

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
    const fly = createFlyClient({
      baseUrl: "http://x",
      userAgent: "t",
      fetch: halfAnswer,
      rateLimits: false,
      retry: false,
    });
    const error = await settle(
      fly.request({ method: "POST", path: "/apps/a/machines", timeoutMs: 200 }).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(FlyApiError);
    expect((error as FlyApiError).details).toMatchObject({ kind: "timeout", outcomeUnknown: true });
  });

  it("holds even when the fetch ignores the signal and never answers", async () => {
    const deaf: typeof fetch = () => new Promise<Response>(() => {});
    const fly = createFlyClient({
      baseUrl: "http://x",
      userAgent: "t",
      fetch: deaf,
      rateLimits: false,
      retry: false,
    });
    const error = await settle(
      fly.request({ method: "GET", path: "/apps/a", timeoutMs: 150 }).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(FlyApiError);
    expect((error as FlyApiError).details).toMatchObject({ kind: "timeout", outcomeUnknown: false });
    expect((error as FlyApiError).message).toContain("no answer within 150 ms");
  });

  it("a cancelled call is reported as cancelled, not as a timeout", async () => {
    const deaf: typeof fetch = () => new Promise<Response>(() => {});
    const fly = createFlyClient({
      baseUrl: "http://x",
      userAgent: "t",
      fetch: deaf,
      rateLimits: false,
      retry: false,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await settle(
      fly
        .request({ method: "GET", path: "/apps/a", timeoutMs: 5_000, signal: controller.signal })
        .catch((e: unknown) => e),
    );
    expect((error as FlyApiError).details).toMatchObject({ kind: "aborted" });
  });
});
