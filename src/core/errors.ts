/**
 * Typed errors that know their HTTP status and a client-safe message. Anything that is not an AppError
 * is treated as an internal error and its message never reaches the client.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) => new AppError(400, "bad_request", message, details);
export const validationFailed = (message: string, details?: Record<string, unknown>) => new AppError(422, "validation_failed", message, details);
export const notFound = (what: string) => new AppError(404, "not_found", `${what} not found`);
export const unauthorized = (message = "Authentication required") => new AppError(401, "unauthorized", message);
export const payloadTooLarge = (message: string) => new AppError(413, "payload_too_large", message);
export const unsupportedMediaType = (message: string) => new AppError(415, "unsupported_media_type", message);
export const conflict = (message: string) => new AppError(409, "conflict", message);
export const serviceUnavailable = (code: string, message: string) => new AppError(503, code, message);

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
