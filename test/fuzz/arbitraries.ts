import fc from "fast-check";
import type { ToolDef } from "../../src/tools/types.js";

// Values that are valid for some field somewhere, so a share of the cases passes validation.
export const plausible = fc.constantFrom<unknown>(
  "demo-app",
  "personal",
  "3d8d413b29d089",
  "vol_2n0l3vl60qpv635d",
  "DATABASE_URL",
  "iad",
  "started",
  "10s",
  "www.example.com",
  0,
  1,
  5,
  30,
  true,
  false,
  { image: "nginx" },
  ["ls", "-la"],
  { KEY: "value" },
);

// Values that fit the common fields, so multi-field tools also get past validation now and then.
const BY_FIELD: Record<string, unknown[]> = {
  app_name: ["demo-app"],
  name: ["demo-app", "data"],
  org_slug: ["personal"],
  machine_id: ["3d8d413b29d089"],
  volume_id: ["vol_2n0l3vl60qpv635d"],
  secret_name: ["DATABASE_URL"],
  region: ["iad"],
  state: ["started", "stopped"],
  config: [{ image: "nginx" }],
  command: [["ls", "-la"]],
  size_gb: [1, 10],
  values: [{ KEY: "value" }],
  hostname: ["www.example.com"],
  postgres_cluster_id: ["pg-1"],
  database_name: ["app"],
  username: ["app"],
};
const plausibleFor = (field: string) =>
  BY_FIELD[field] ? fc.oneof(fc.constantFrom(...BY_FIELD[field]), plausible) : plausible;

const trickyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    ".",
    "..",
    "../",
    "../../v1/apps",
    "%2F",
    "a%2Fb",
    "..%2F..%2Fapps",
    "%2e%2e",
    "/",
    "a/b",
    "a\\b",
    "vol_../x",
    "demo-app/../other",
    "a?b=c",
    "a#b",
    "\u0000",
    "a\nb",
    "\u202egpp",
    "ａｐｐ",
    "🔥🔥",
    "__proto__",
    "constructor",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the input under test
    "${env:FLY_API_TOKEN}",
  ),
  fc.integer({ min: 3, max: 5 }).map((n) => "x".repeat(10 ** n)),
);

const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    -1,
    -0,
    0.5,
    61,
    3601,
    2 ** 31,
    2 ** 53 + 1,
    1e308,
    -1e308,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
);

const fieldName = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    "__proto__",
    "constructor",
    "prototype",
    "app_name",
    "machine_id",
    "config",
    "image",
    "imagee",
  ),
);

export const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    plausible,
    trickyString,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fieldName, tie("value"), { maxKeys: 4 }),
  ),
}));

/** Arguments shaped like the tool's input (each field maybe missing or wrong) plus extra fields, or anything. */
export function argsFor(tool: ToolDef): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    Object.keys(tool.input.shape).map((f) => [f, fc.oneof({ weight: 4, arbitrary: plausibleFor(f) }, value)]),
  );
  const shaped = fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.dictionary(fieldName, value, { maxKeys: 3 }), { freq: 3 }),
    )
    .map(([known, extra]) => ({ ...(extra ?? {}), ...known }));
  return fc.oneof({ weight: 4, arbitrary: shaped }, fc.dictionary(fieldName, value, { maxKeys: 5 }));
}

/** Field names a validation failure is about: its paths and any unknown keys. */
export function fieldsNamed(issues: ReadonlyArray<{ path: PropertyKey[]; keys?: string[] }>): string[] {
  return issues.flatMap((i) => [
    ...i.path.filter((p): p is string => typeof p === "string"),
    ...(i.keys ?? []),
  ]);
}
