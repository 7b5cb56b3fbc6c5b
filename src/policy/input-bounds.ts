import { formatPath } from "./agent-policy.js";

/**
 * Sane bounds on tool arguments, checked before schema validation: no Machines API request needs
 * more, and deeper or larger values would make every later step (validation, audit, request) slow
 * or fail. A machine config nests about 8 levels.
 */
export const INPUT_LIMITS = { depth: 32, nodes: 20_000, stringChars: 4 * 1024 * 1024 } as const;

/** The first place where the arguments break a bound, as `field: problem; fix`, or undefined. Iterative: never overflows. */
export function inputBoundsProblem(args: unknown): string | undefined {
  const stack: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: args, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (++nodes > INPUT_LIMITS.nodes) {
      return `arguments: more than ${INPUT_LIMITS.nodes} values in all; send less at once`;
    }
    if (typeof value === "string" && value.length > INPUT_LIMITS.stringChars) {
      return `${formatPath(path) || "arguments"}: longer than ${INPUT_LIMITS.stringChars} characters; send less at once`;
    }
    if (value === null || typeof value !== "object") continue;
    if (path.length >= INPUT_LIMITS.depth) {
      // Here the path is at least INPUT_LIMITS.depth long: show its head only.
      const shown = `${formatPath(path.slice(0, 6))}...`;
      return `${shown}: nested deeper than ${INPUT_LIMITS.depth} levels; no Fly API field needs that, flatten the value`;
    }
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push({ value: entries[i]![1], path: [...path, entries[i]![0]] });
  }
  return undefined;
}
