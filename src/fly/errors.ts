/** A failed call to the Machines API, or a failure to reach it. Never carries our request headers. */
export class FlyApiError extends Error {
  override readonly name = "FlyApiError";
  constructor(
    /** HTTP status, or 0 when no response came back (network, timeout, abort). */
    readonly status: number,
    message: string,
    readonly details: {
      kind?: "http" | "network" | "timeout" | "aborted" | "malformed" | "rate_limited_locally" | "too_large";
      /** Fly's `status` code in the error body, e.g. `name_taken`, `insufficient_capacity`. */
      flyStatus?: string;
      requestId?: string;
      retryAfterSeconds?: number;
      /** True when the request may have reached Fly and its effect is unknown. */
      outcomeUnknown?: boolean;
      method?: string;
      path?: string;
      /** Tool name of the call, to say how to check an unknown outcome. */
      action?: string;
      /** True when the request provably never left this process (connection refused, DNS failure). */
      notSent?: boolean;
      /** How many times the request was sent or tried, when more than once. */
      attempts?: number;
      /** The cap an answer went over (`too_large`). */
      maxBodyBytes?: number;
    } = {},
  ) {
    super(message);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

// How to find out whether a write whose answer was lost took effect, by tool name prefix (longest wins).
const CHECK_HINTS: ReadonlyArray<readonly [string, string]> = [
  [
    "machines_create",
    "list the app's machines (machines_list) and look for one with the name or config you sent",
  ],
  [
    "machines_update",
    "read the machine (machines_get) and compare its config and version with what you sent",
  ],
  [
    "machines_delete",
    "read the machine (machines_get) or list the app's machines to see whether it is still there",
  ],
  ["machines_exec", "the command may have run; check its effects before running it again"],
  ["machines_", "read the machine (machines_get) to see its current state"],
  ["leases_", "read the lease (leases_get) to see who holds it"],
  ["apps_create", "read the app by name (apps_get) to see whether it exists"],
  ["apps_", "read the app (apps_get) to see whether it still exists"],
  ["secrets_", "list the app's secrets (secrets_list) to see which names are set"],
  ["volumes_create", "list the app's volumes (volumes_list) and look for one with the name you gave"],
  ["volumes_", "read the volume (volumes_get) to see its current state and size"],
  ["tokens_", "request a new token; an unused one does no harm"],
];

/** What to read to learn whether a write with an unknown outcome happened. */
export function checkHint(action: string | undefined): string {
  let best: readonly [string, string] | undefined;
  for (const entry of CHECK_HINTS) {
    if (action?.startsWith(entry[0]) && entry[0].length > (best?.[0].length ?? -1)) best = entry;
  }
  return best?.[1] ?? "read the current state (get or list)";
}

// Never "call again": a write that did happen would happen twice.
const unknownOutcome = (what: string, d: FlyApiError["details"]) =>
  `Outcome unknown: ${what}, so it may or may not have taken effect, and it was not repeated. Do not repeat it until you have checked: ${checkHint(d.action)}.`;

function nextStep(err: FlyApiError): string {
  const d = err.details;
  if (d.kind === "timeout") {
    return d.outcomeUnknown
      ? unknownOutcome("the request timed out after it was sent", d)
      : "The request timed out. Try again; if it keeps happening, Fly may be slow right now.";
  }
  if (d.kind === "aborted") {
    return d.outcomeUnknown
      ? unknownOutcome("the call was cancelled after the request was sent", d)
      : "The call was cancelled before Fly answered.";
  }
  if (d.kind === "network") {
    return d.outcomeUnknown
      ? unknownOutcome("the connection failed after the request was sent", d)
      : "Fly could not be reached. Check FLY_API_HOSTNAME and the network, then try again.";
  }
  if (d.kind === "malformed") {
    return d.outcomeUnknown
      ? unknownOutcome("Fly accepted the request but its answer is not valid JSON", d)
      : "Fly answered with a body that is not valid JSON. Try again later; read the resource to check its state.";
  }
  if (d.kind === "too_large") {
    if (d.action?.startsWith("machines_exec"))
      return "The command ran, but its output is too large to return. Do not run it again as is: send the output to a file in the machine and read a part of it (e.g. head -c 60000).";
    return d.method === "GET"
      ? "Ask for less: filter or page the listing (or read one item) instead of reading it whole."
      : `Fly accepted the request and it took effect, but its answer is too large to return. Do not repeat it: ${checkHint(d.action)}.`;
  }
  if (d.kind === "rate_limited_locally")
    return "Too many calls of this action are queued. Wait a few seconds and try again, or make fewer calls at once.";
  switch (err.status) {
    case 400:
      return "Fix the input named in the message and call again.";
    case 401:
      return "The Fly API token is missing, invalid or expired. Ask the operator to set a valid FLY_API_TOKEN; retrying will not help.";
    case 403:
      return "The token is not allowed to do this. Use a token with a wider scope, or a different app.";
    case 404:
      return "Check the app name and the machine/volume id (list them first), and that the token's scope reaches this app.";
    case 408:
      // Fly gave up waiting, maybe after acting: a write is not safe to send again blindly.
      if (d.outcomeUnknown) {
        return d.action?.startsWith("machines_exec")
          ? `${unknownOutcome("Fly stopped waiting for the command (exec answers 408 for commands that run longer than about 30 s), but the command may still be running or have run", d)} For long work, start it in the background (e.g. nohup ... &) and check on it with short commands.`
          : unknownOutcome("Fly answered 408 (it stopped waiting) after the request reached it", d);
      }
      return "Fly timed out waiting. Call again to keep waiting, or read the resource to check its current state.";
    case 409:
      return "The resource is busy or changed meanwhile: if a lease is held, wait until it expires or pass its lease_nonce; if the version changed, read it again and retry.";
    case 410:
      return "The resource is deleted or being deleted.";
    case 412:
      return "The resource is not in a state that allows this (e.g. the machine is not started), or it changed since you read it. Read its current state, change it if needed (start, stop), then retry.";
    case 422:
      return d.flyStatus === "name_taken"
        ? "That name is taken. Choose another name."
        : "Fly rejected the values. Fix the input named in the message and call again.";
    case 429: {
      const wait = d.retryAfterSeconds !== undefined ? `${d.retryAfterSeconds}s` : "a few seconds";
      return `Fly's rate limit for this action was hit. Wait ${wait}, then call again; make fewer calls of this action at once.`;
    }
    default:
      if (err.status >= 500) {
        return d.outcomeUnknown
          ? unknownOutcome("Fly failed while handling the request", d)
          : "Fly had a server-side problem. Try again in a little while.";
      }
      return "Read Fly's message above and adjust the call.";
  }
}

const HEAD_BY_KIND: Record<string, string> = {
  timeout: "Fly API timeout",
  aborted: "Cancelled",
  rate_limited_locally: "Rate limited locally",
  malformed: "Fly API answer unreadable",
  too_large: "Fly API answer too large",
};

/** The agent-facing text for a failure: what happened, Fly's own words, and what to do next. */
export function describeFlyError(err: FlyApiError): string {
  const head =
    HEAD_BY_KIND[err.details.kind ?? ""] ??
    (err.status > 0
      ? `Fly API error ${err.status} ${STATUS_TEXT[err.status] ?? ""}`.trimEnd()
      : "Fly API unreachable");
  const extras: string[] = [];
  if (err.details.attempts && err.details.attempts > 1) extras.push(`after ${err.details.attempts} attempts`);
  if (err.details.flyStatus) extras.push(`status: ${err.details.flyStatus}`);
  if (err.details.requestId) extras.push(`request id: ${err.details.requestId}`);
  const tail = extras.length ? ` (${extras.join(", ")})` : "";
  return `${head}: ${err.message}${tail}\nNext step: ${nextStep(err)}`;
}
