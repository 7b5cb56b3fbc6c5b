import { badRequest } from "./errors.js";

/** Opaque cursors that name the last item of the previous page. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString("base64url");
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest(`invalid cursor: ${JSON.stringify(cursor)}`);
}

/** One page of `items`, sorted by `keyOf`; `next` is set when more remain. Without a limit, all. */
export function paginate<T>(
  unsorted: T[],
  keyOf: (item: T) => string,
  limit: number | undefined,
  cursor: string | undefined,
): { page: T[]; next?: string } {
  const items = [...unsorted].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  let start = 0;
  if (cursor) {
    const after = decodeCursor(cursor);
    const index = items.findIndex((item) => keyOf(item) > after);
    start = index === -1 ? items.length : index;
  }
  if (limit === undefined) return { page: items.slice(start) };
  const page = items.slice(start, start + limit);
  const last = page[page.length - 1];
  const more = start + limit < items.length;
  return more && last ? { page, next: encodeCursor(keyOf(last)) } : { page };
}
