/**
 * Splits the suite's test count into hand-written, data-driven and generated tests.
 *
 *   node --import tsx bench/test-count.ts            # lists the suite with `vitest list`
 *   node --import tsx bench/test-count.ts list.json  # or reads a saved `vitest list --json --includeTaskLocation`
 *
 * Each test is traced back to the `it`/`test` call that made it (vitest reports its line and column)
 * and that call is read with the TypeScript parser:
 * - hand-written: a literal call, run once (property-based tests count here, and are also shown
 *   on their own: one test, many generated inputs);
 * - data-driven: made by `.each(table)` or a loop over a table written out in the test file
 *   (an array literal of literals, inline or in a const);
 * - generated: made by `.each`/loops over anything computed (the catalog, a cross product, a
 *   range), or one call site that produced several tests (a helper called in a loop).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";

interface Listed {
  name: string;
  file: string;
  location?: { line: number; column: number };
}

type Kind = "hand-written" | "data-driven" | "generated";

const listed: Listed[] = JSON.parse(
  process.argv[2]
    ? readFileSync(process.argv[2], "utf8")
    : execFileSync("npx", ["vitest", "list", "--json", "--includeTaskLocation"], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
        stdio: ["ignore", "pipe", "inherit"],
      }),
);

const sources = new Map<string, ts.SourceFile>();
function parse(file: string): ts.SourceFile {
  let sf = sources.get(file);
  if (!sf) {
    sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    sources.set(file, sf);
  }
  return sf;
}

/** The call at the given 1-based line and column (for `it.each(x)(...)` vitest points at the end of `it.each(x)`). */
function callAt(sf: ts.SourceFile, line: number, column: number): ts.CallExpression | undefined {
  const pos = sf.getPositionOfLineAndCharacter(line - 1, column - 1);
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (node.getStart(sf) > pos || node.end <= pos) return;
    if (
      ts.isCallExpression(node) &&
      [node.getStart(sf), node.expression.end - 1, node.expression.end].includes(pos)
    )
      found ??= node;
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

const isLiteral = (e: ts.Expression): boolean => {
  if (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)) {
    return isLiteral(e.expression);
  }
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => !ts.isSpreadElement(x) && isLiteral(x));
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.every((p) => ts.isPropertyAssignment(p) && isLiteral(p.initializer));
  }
  if (ts.isPrefixUnaryExpression(e)) return isLiteral(e.operand);
  return (
    ts.isStringLiteralLike(e) ||
    ts.isNumericLiteral(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword ||
    ts.isIdentifier(e) // a named constant or fixture in a row
  );
};

/** A table written out in the file: an array literal, or a const initialised with one. */
function isWrittenTable(e: ts.Expression, sf: ts.SourceFile): boolean {
  if (ts.isArrayLiteralExpression(e) || ts.isAsExpression(e)) return isLiteral(e);
  if (!ts.isIdentifier(e)) return false;
  let table = false;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === e.text) {
      table =
        node.initializer !== undefined &&
        ts.isArrayLiteralExpression(node.initializer) &&
        isLiteral(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return table;
}

/** The tables or computed values a test call is repeated over, innermost first. */
function repeatedOver(call: ts.CallExpression): ts.Expression[] | "computed-loop" {
  const over: ts.Expression[] = [];
  // `it.each(x)(...)`: the callee is itself a call to `.each`.
  const eachOf = (c: ts.CallExpression): ts.Expression | undefined =>
    ts.isCallExpression(c.expression) &&
    ts.isPropertyAccessExpression(c.expression.expression) &&
    c.expression.expression.name.text === "each"
      ? c.expression.arguments[0]
      : undefined;
  const own = eachOf(call);
  if (own) over.push(own);
  for (let node: ts.Node = call, parent = call.parent; parent; node = parent, parent = parent.parent) {
    if (ts.isForOfStatement(parent) || ts.isForInStatement(parent)) {
      if (node === parent.statement) over.push(parent.expression);
    } else if (ts.isForStatement(parent) || ts.isWhileStatement(parent) || ts.isDoStatement(parent)) {
      if (node === parent.statement) return "computed-loop";
    } else if (ts.isCallExpression(parent) && parent.arguments.includes(node as ts.Expression)) {
      const callee = parent.expression;
      if (ts.isPropertyAccessExpression(callee) && ["forEach", "map", "flatMap"].includes(callee.name.text)) {
        over.push(callee.expression);
      }
      const each = eachOf(parent);
      if (each) over.push(each);
    }
  }
  return over;
}

const usesFastCheck = (call: ts.CallExpression, sf: ts.SourceFile): boolean =>
  call.arguments.some((a) => /\bfc\.(assert|check)\(/.test(a.getText(sf)));

const perSite = new Map<string, number>();
for (const t of listed) {
  const key = `${t.file}:${t.location?.line}:${t.location?.column}`;
  perSite.set(key, (perSite.get(key) ?? 0) + 1);
}

const totals: Record<Kind, number> = { "hand-written": 0, "data-driven": 0, generated: 0 };
const byFolder = new Map<string, Record<Kind, number>>();
let propertyBased = 0;
let unlocated = 0;
for (const t of listed) {
  let kind: Kind = "hand-written";
  const sf = parse(t.file);
  const call = t.location ? callAt(sf, t.location.line, t.location.column) : undefined;
  if (!call) unlocated++;
  else {
    const over = repeatedOver(call);
    const site = perSite.get(`${t.file}:${t.location?.line}:${t.location?.column}`) ?? 1;
    if (over === "computed-loop") kind = "generated";
    else if (over.length > 0) kind = over.every((e) => isWrittenTable(e, sf)) ? "data-driven" : "generated";
    else if (site > 1) kind = "generated";
    if (kind === "hand-written" && usesFastCheck(call, sf)) propertyBased++;
  }
  totals[kind]++;
  const folder = relative(process.cwd(), t.file).split("/").slice(0, 2).join("/");
  const row = byFolder.get(folder) ?? { "hand-written": 0, "data-driven": 0, generated: 0 };
  row[kind]++;
  byFolder.set(folder, row);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(
  `${"folder".padEnd(16)} ${pad("hand-written", 13)} ${pad("data-driven", 12)} ${pad("generated", 10)}`,
);
for (const [folder, row] of [...byFolder].sort()) {
  console.log(
    `${folder.padEnd(16)} ${pad(row["hand-written"], 13)} ${pad(row["data-driven"], 12)} ${pad(row.generated, 10)}`,
  );
}
console.log(
  `${"total".padEnd(16)} ${pad(totals["hand-written"], 13)} ${pad(totals["data-driven"], 12)} ${pad(totals.generated, 10)}`,
);
console.log(`${listed.length} tests; ${propertyBased} of the hand-written ones are property-based`);
if (unlocated > 0)
  console.log(`${unlocated} tests had no call site vitest could point to (counted as hand-written)`);
