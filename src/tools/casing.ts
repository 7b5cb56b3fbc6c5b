type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Renames keys that match one of `names` ignoring case (Fly answers `Regions` where the spec says
 * `regions`). Go clients decode JSON keys case-insensitively, so Fly's answers vary in ways they
 * never notice; this reads them the same way. Other keys stay as they are.
 */
export function withKeys(value: unknown, names: readonly string[]): unknown {
  if (!isObj(value)) return value;
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const name = byLower.get(key.toLowerCase()) ?? key;
    if (!(name in out) || key === name) out[name] = v;
  }
  return out;
}

/** `withKeys` on the object and on each item of its array under `listKey`. */
export function withListKeys(
  value: unknown,
  topNames: readonly string[],
  listKey: string,
  itemNames: readonly string[],
): unknown {
  const top = withKeys(value, [...topNames, listKey]);
  if (!isObj(top) || !Array.isArray(top[listKey])) return top;
  return { ...top, [listKey]: top[listKey].map((item) => withKeys(item, itemNames)) };
}
