/** Tool calls still running, per server, so a transport that goes away can wait for their audit lines. */
const running = new WeakMap<object, Set<Promise<unknown>>>();

/** Wraps a tool handler so its calls count as in flight on `server` until they settle. */
export function trackCalls<A extends unknown[], R>(
  server: object,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args) => {
    let calls = running.get(server);
    if (!calls) {
      calls = new Set();
      running.set(server, calls);
    }
    const call = handler(...args);
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    calls.add(settled);
    void settled.then(() => calls.delete(settled));
    return call;
  };
}

export function callsInFlight(server: object): number {
  return running.get(server)?.size ?? 0;
}

/** Resolves true once every call on `server` has settled, or false when `graceMs` runs out first. */
export async function callsSettled(server: object, graceMs: number): Promise<boolean> {
  const calls = [...(running.get(server) ?? [])];
  if (calls.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const done = Promise.all(calls).then(() => true as const);
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}
