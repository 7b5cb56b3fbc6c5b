/** A refusal the sandbox answers with Fly's `{"error": ..., "status"?: ...}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly flyStatus?: string,
    /** Extra response headers, e.g. Retry-After on a 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);
export const conflict = (message: string): ApiError => new ApiError(409, message);
/** Fly maps flyd's gRPC `failed_precondition` (wrong machine state) to 412. */
export const preconditionFailed = (message: string): ApiError =>
  new ApiError(412, `failed_precondition: ${message}`);

export function errorBody(err: ApiError): Record<string, string> {
  return err.flyStatus ? { error: err.message, status: err.flyStatus } : { error: err.message };
}
