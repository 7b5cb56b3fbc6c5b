import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_BODY_BYTES } from "../../src/fly/client.js";
import { describeFlyError } from "../../src/fly/errors.js";
import { call, connect, mockedServer, textOf } from "../support/harness.js";
import { APP, failure, M, read, standIn, standInClient, write } from "./support.js";

const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

/**
 * A hostile Fly: answers `status` with a JSON body of `total` bytes (endless when Infinity), made
 * chunk by chunk as the reader pulls, and counts what was pulled and whether the rest was cancelled.
 */
function hugeBody(total: number, status = 200) {
  const seen = { pulled: 0, cancelled: false };
  const filler = new TextEncoder().encode("x".repeat(CHUNK));
  const fly = standIn(
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"stdout":"'));
          },
          pull(controller) {
            if (seen.pulled >= total) return controller.close();
            seen.pulled += CHUNK;
            controller.enqueue(filler);
          },
          cancel() {
            seen.cancelled = true;
          },
        }),
        { status, headers: { "content-type": "application/json" } },
      ),
  );
  return { ...fly, seen };
}

describe("answers from Fly are read with a cap", () => {
  it("an endless body is cut at the cap, the rest cancelled unread, and the call says so", async () => {
    const fly = hugeBody(Number.POSITIVE_INFINITY);
    const err = await failure(standInClient(fly.fetch, { retry: false, rateLimits: false }).request(read));
    expect(err.details.kind).toBe("too_large");
    expect(err.message).toContain(`response over ${DEFAULT_MAX_BODY_BYTES} bytes, cut`);
    expect(fly.seen.cancelled).toBe(true);
    // What was pulled is the cap plus what the stream had buffered ahead, not the body.
    expect(fly.seen.pulled).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES + 4 * CHUNK);
    expect(describeFlyError(err)).toMatch(/^Fly API answer too large: response over \d+ bytes, cut/);
  });

  it("150 MiB of answer costs the server the cap, not 150 MiB", async () => {
    const fly = hugeBody(150 * MiB);
    global.gc?.();
    const before = process.memoryUsage();
    const err = await failure(standInClient(fly.fetch, { retry: false, rateLimits: false }).request(read));
    const after = process.memoryUsage();
    expect(err.details.kind).toBe("too_large");
    expect(fly.seen.pulled).toBeLessThan(5 * MiB);
    // Loose: reading it whole would add at least 150 MiB of strings.
    expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(
      64 * MiB,
    );
  });

  it("a call may ask for a smaller cap, never a larger one", async () => {
    const small = hugeBody(Number.POSITIVE_INFINITY);
    const client = standInClient(small.fetch, { retry: false, rateLimits: false });
    const err = await failure(client.request({ ...read, maxBodyBytes: MiB }));
    expect(err.details.maxBodyBytes).toBe(MiB);
    expect(small.seen.pulled).toBeLessThanOrEqual(MiB + 4 * CHUNK);

    const large = hugeBody(Number.POSITIVE_INFINITY);
    const capped = standInClient(large.fetch, { retry: false, rateLimits: false, maxBodyBytes: MiB });
    const err2 = await failure(capped.request({ ...read, maxBodyBytes: 100 * MiB }));
    expect(err2.details.maxBodyBytes).toBe(MiB);
  });

  it("an error body cut mid-way still gives Fly's words, not a crash", async () => {
    const fly = hugeBody(Number.POSITIVE_INFINITY, 500);
    const err = await failure(
      standInClient(fly.fetch, { retry: false, rateLimits: false, maxBodyBytes: MiB }).request(write),
    );
    expect(err.status).toBe(500);
    expect(err.details.kind).toBe("http");
    expect(err.message.startsWith('{"stdout":"xxx')).toBe(true);
    expect(err.message.length).toBeLessThanOrEqual(2000);
    expect(fly.seen.cancelled).toBe(true);
  });

  it("a body under the cap is read whole as before", async () => {
    const fly = standIn(() => Response.json({ ok: true, big: "y".repeat(MiB) }));
    const res = await standInClient(fly.fetch, { retry: false, rateLimits: false }).request(read);
    expect((res.data as { big: string }).big).toHaveLength(MiB);
  });

  it("machines_exec reads 1 MiB at most and tells the agent the command ran, not to run it again", async () => {
    const fly = hugeBody(150 * MiB);
    const server = mockedServer({ fly: standInClient(fly.fetch, { retry: false, rateLimits: false }) });
    const result = await call(await connect(server), "machines_exec", {
      app_name: APP,
      machine_id: M,
      command: ["cat", "/dev/urandom"],
    });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toContain(`response over ${MiB} bytes, cut`);
    expect(text).toContain("The command ran");
    expect(text).toContain("Do not run it again as is");
    expect(fly.seen.pulled).toBeLessThanOrEqual(MiB + 4 * CHUNK);
  });
});
