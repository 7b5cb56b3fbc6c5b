/**
 * A tiny, deterministic stand-in for a shell inside the machine: enough commands to exercise exec
 * (echo, true, false, cat, hostname, uname, pwd, env, printenv, sleep, exit, whoami, ls, sh -c).
 */
export interface ShellContext {
  machineId: string;
  env: Record<string, string>;
  /** Files written by config.files, path -> contents. */
  files: Map<string, string>;
  stdin: string;
}

export interface ShellResult {
  stdout: string;
  stderr: string;
  exit_code: number;
  exit_signal: number;
  /** How long the command would have run, for exec's timeout. */
  seconds: number;
}

/** Splits a command line into words and the operators `;`, `&&`, `||`, honouring quotes. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let word = "";
  let quote: string | null = null;
  let started = false;
  const flush = () => {
    if (started) out.push(word);
    word = "";
    started = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) flush();
    else if (ch === ";" || ((ch === "&" || ch === "|") && line[i + 1] === ch)) {
      flush();
      out.push(ch === ";" ? ";" : ch + ch);
      if (ch !== ";") i++;
    } else if (ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      started = true;
    } else {
      word += ch;
      started = true;
    }
  }
  flush();
  return out;
}

const ok = (stdout = ""): ShellResult => ({ stdout, stderr: "", exit_code: 0, exit_signal: 0, seconds: 0 });
const fail = (stderr: string, code = 1): ShellResult => ({
  stdout: "",
  stderr,
  exit_code: code,
  exit_signal: 0,
  seconds: 0,
});

const ROOT_DIRS = [
  "bin",
  "dev",
  "etc",
  "home",
  "lib",
  "proc",
  "root",
  "run",
  "sbin",
  "sys",
  "tmp",
  "usr",
  "var",
];

function ls(args: string[], ctx: ShellContext): ShellResult {
  const target = (args.find((a) => !a.startsWith("-")) ?? "/").replace(/(.)\/+$/, "$1");
  if (target === "/") return ok(`${ROOT_DIRS.join("\n")}\n`);
  if (ctx.files.has(target)) return ok(`${target}\n`);
  const prefix = `${target}/`;
  const names = [...ctx.files.keys()]
    .filter((p) => p.startsWith(prefix))
    .map((p) => p.slice(prefix.length).split("/")[0]!);
  if (!names.length) return fail(`ls: cannot access '${target}': No such file or directory\n`, 2);
  return ok(`${[...new Set(names)].sort().join("\n")}\n`);
}

function runSimple(argv: string[], ctx: ShellContext): ShellResult {
  const [cmd = "", ...args] = argv;
  switch (cmd) {
    case "echo": {
      const newline = args[0] !== "-n";
      return ok(`${(newline ? args : args.slice(1)).join(" ")}${newline ? "\n" : ""}`);
    }
    case "true":
      return ok();
    case "false":
      return fail("");
    case "cat": {
      if (!args.length || args[0] === "-") return ok(ctx.stdin);
      let stdout = "";
      for (const path of args) {
        const content = ctx.files.get(path);
        if (content === undefined) return { ...fail(`cat: ${path}: No such file or directory\n`), stdout };
        stdout += content;
      }
      return ok(stdout);
    }
    case "hostname":
      return ok(`${ctx.machineId}\n`);
    case "uname":
      return ok(
        args.includes("-a")
          ? `Linux ${ctx.machineId} 6.1.0-fly #1 SMP x86_64 GNU/Linux\n`
          : args.includes("-m")
            ? "x86_64\n"
            : args.includes("-r")
              ? "6.1.0-fly\n"
              : "Linux\n",
      );
    case "pwd":
      return ok("/\n");
    case "whoami":
      return ok("root\n");
    case "env":
      return ok(
        Object.entries(ctx.env)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(""),
      );
    case "printenv": {
      if (!args.length) return runSimple(["env"], ctx);
      const values = args.filter((name) => name in ctx.env).map((name) => `${ctx.env[name]}\n`);
      return { ...ok(values.join("")), exit_code: values.length === args.length ? 0 : 1 };
    }
    case "sleep": {
      const seconds = Number(args[0]);
      if (!args[0] || !Number.isFinite(seconds) || seconds < 0) {
        return fail(`sleep: invalid time interval '${args[0] ?? ""}'\n`);
      }
      return { ...ok(), seconds };
    }
    case "ls":
      return ls(args, ctx);
    case "sh":
    case "bash": {
      if (args[0] !== "-c" || args[1] === undefined)
        return fail(`${cmd}: only '${cmd} -c <command>' is supported here\n`, 2);
      return runLine(args[1], ctx);
    }
    default:
      return fail(`sh: ${cmd}: not found\n`, 127);
  }
}

/** Runs a command line with `;`, `&&`, `||` and the `exit` builtin. */
export function runLine(line: string, ctx: ShellContext): ShellResult {
  return runTokens(tokenize(line), ctx);
}

function runTokens(tokens: string[], ctx: ShellContext): ShellResult {
  const total: ShellResult = ok();
  let op = ";";
  let i = 0;
  while (i < tokens.length) {
    let j = i;
    while (j < tokens.length && ![";", "&&", "||"].includes(tokens[j]!)) j++;
    const argv = tokens.slice(i, j);
    const skip = (op === "&&" && total.exit_code !== 0) || (op === "||" && total.exit_code === 0);
    if (argv.length && !skip) {
      if (argv[0] === "exit") {
        const code = argv[1] === undefined ? total.exit_code : Number.parseInt(argv[1], 10);
        return { ...total, exit_code: Number.isNaN(code) ? 2 : code & 255 };
      }
      const result = runSimple(argv, ctx);
      total.stdout += result.stdout;
      total.stderr += result.stderr;
      total.exit_code = result.exit_code;
      total.seconds += result.seconds;
    }
    op = tokens[j] ?? ";";
    i = j + 1;
  }
  return total;
}

/** Runs an argv the way exec's `command` field does (no shell parsing of the words). */
export function runArgv(argv: string[], ctx: ShellContext): ShellResult {
  if (argv[0] === "exit") return runTokens(argv, ctx);
  return runSimple(argv, ctx);
}
