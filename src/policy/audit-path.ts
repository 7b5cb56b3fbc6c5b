import { lstatSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";

// Kernel pseudo-files look like regular files but can block or never hold a log.
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];

function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Refuses a log path that is not (or would not be) a regular file: a FIFO, a device, a folder, or
 * anything under /proc, /sys or /dev. Checked with stat before opening, since opening a FIFO for
 * writing waits for a reader and would hang the start.
 */
export function checkWritableFile(path: string, setting: string): void {
  const real = resolved(path);
  const root = PSEUDO_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root)
    throw new Error(`${setting} ${path}: points into ${root}, not a log file; give a path to a regular file`);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      // A link to a missing file would be created wherever it points, /dev included: refused.
      if (isLink(path))
        throw new Error(`${setting} ${path}: is a link to a missing file; give a path to a regular file`);
      return;
    }
    throw new Error(
      `${setting} ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}); give a writable file path`,
    );
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? "a folder" : stats.isFIFO() ? "a FIFO" : "not a regular file";
    throw new Error(`${setting} ${path}: is ${kind}; give a path to a regular file`);
  }
}
