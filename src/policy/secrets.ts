export const REDACTED = "[redacted]";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Deep copy of a secrets tool result with every secret value hidden: `value` fields are replaced,
 * and `values` maps keep their names but lose their values. Names, digests and timestamps stay, so
 * the agent can still see which secrets exist and whether one changed.
 */
export function redactSecretValues<T>(data: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [key, val] of Object.entries(v)) {
      if (key === "value" && val !== undefined && val !== null) out[key] = REDACTED;
      else if (key === "values" && isPlainObject(val)) {
        out[key] = Object.fromEntries(Object.keys(val).map((k) => [k, REDACTED]));
      } else if (key === "values" && val !== undefined && val !== null) out[key] = REDACTED;
      else out[key] = walk(val);
    }
    return out;
  };
  return walk(data) as T;
}
