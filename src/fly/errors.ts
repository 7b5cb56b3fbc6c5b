/** A failed call to the Machines API, or a failure to reach it. Never carries our request headers. */
export class FlyApiError extends Error {
  override readonly name = "FlyApiError";
  constructor(
    /** HTTP status, or 0 when no response came back (network, timeout, abort). */
    readonly status: number,
    message: string,
    readonly details: {
      kind?: "http" | "network" | "timeout" | "aborted" | "malformed" | "rate_limited_locally";
      /** Fly's `status` code in the error body, e.g. `name_taken`, `insufficient_capacity`. */
      flyStatus?: string;
      requestId?: string;
      retryAfterSeconds?: number;
      /** True when the request may have reached Fly and its effect is unknown. */
      outcomeUnknown?: boolean;
      method?: string;
      path?: string;
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

function nextStep(err: FlyApiError): string {
  const d = err.details;
  if (d.kind === "timeout") {
    return d.outcomeUnknown
      ? "The request timed out after it was sent, so it may or may not have taken effect. Check the current state (get or list) before trying again."
      : "The request timed out. Try again; if it keeps happening, Fly may be slow right now.";
  }
  if (d.kind === "aborted") return "The call was cancelled before Fly answered.";
  if (d.kind === "network") {
    return d.outcomeUnknown
      ? "The connection failed after the request was sent, so it may or may not have taken effect. Check the current state (get or list) before trying again."
      : "Fly could not be reached. Check FLY_API_HOSTNAME and the network, then try again.";
  }
  if (d.kind === "malformed") return "Fly answered with a body that is not valid JSON. Try again later; read the resource to check its state.";
  if (d.kind === "rate_limited_locally") return "Too many calls of this action are queued. Wait a few seconds and try again, or make fewer calls at once.";
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
      return "Fly timed out waiting. Call again to keep waiting, or read the resource to check its current state.";
    case 409:
      return "The resource is busy or changed meanwhile: if a lease is held, wait until it expires or pass its lease_nonce; if the version changed, read it again and retry.";
    case 410:
      return "The resource is deleted or being deleted.";
    case 412:
      return "The resource changed since you read it. Read it again and retry with the new version.";
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
          ? "Fly failed while handling the request, so it may or may not have taken effect. Check the current state (get or list) before trying again."
          : "Fly had a server-side problem. Try again in a little while.";
      }
      return "Read Fly's message above and adjust the call.";
  }
}

/** The agent-facing text for a failure: what happened, Fly's own words, and what to do next. */
export function describeFlyError(err: FlyApiError): string {
  const head =
    err.status > 0
      ? `Fly API error ${err.status} ${STATUS_TEXT[err.status] ?? ""}`.trimEnd()
      : `Fly API ${err.details.kind === "timeout" ? "timeout" : "unreachable"}`;
  const extras: string[] = [];
  if (err.details.flyStatus) extras.push(`status: ${err.details.flyStatus}`);
  if (err.details.requestId) extras.push(`request id: ${err.details.requestId}`);
  const tail = extras.length ? ` (${extras.join(", ")})` : "";
  return `${head}: ${err.message}${tail}\nNext step: ${nextStep(err)}`;
}
