import type { NextFunction, Request, Response } from "express";
import { AppError, isAppError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { isProviderError } from "../../../core/resilience/provider-error.js";
import { ProviderUnavailableError } from "../../../core/resilience/provider-guard.js";

export interface ErrorBody {
  error: { code: string; message: string; request_id: string; details?: Record<string, unknown> };
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return { error: { code: error.code, message: error.message, request_id: requestId, ...(error.details ? { details: error.details } : {}) } };
}

/** body-parser and multer report client mistakes as errors with a status or a type; name them plainly. */
export function fromFrameworkError(error: unknown): AppError | null {
  const e = error as { type?: string; status?: number; code?: string; message?: string };
  if (e.type === "entity.parse.failed") return new AppError(400, "malformed_json", "The request body is not valid JSON");
  if (e.type === "entity.too.large") return new AppError(413, "payload_too_large", "The request body is too large");
  if (e.type === "encoding.unsupported" || e.type === "charset.unsupported") return new AppError(415, "unsupported_encoding", "Unsupported body encoding");
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) return new AppError(e.status, "bad_request", "The request could not be processed");
  return null;
}

/** Seconds a client should wait before retrying a provider that is down: about a breaker's reset time. */
const PROVIDER_RETRY_AFTER_S = 30;

/** A provider that is down (breaker open, or failed after retries) is a 503 to retry later, never a 500. */
export function fromProviderError(error: unknown): AppError | null {
  // A provider's refusal that no retry can mend (a revoked key, a removed model) is still the service's
  // problem, not the person's: a 503 like an outage, never a 500.
  if (isProviderError(error))
    return new AppError(503, "provider_unavailable", "A service Rose depends on is unavailable right now; please try again in a moment");
  if (!(error instanceof ProviderUnavailableError)) return null;
  const memory = error.provider === "vector_store" || error.provider === "embeddings";
  return memory
    ? new AppError(503, "memory_unavailable", "Rose's memory is unavailable right now; please try again in a moment")
    : new AppError(503, "provider_unavailable", "A service Rose depends on is unavailable right now; please try again in a moment");
}

/** The one place errors become responses: client-safe messages only, never a stack or a provider's words. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = isAppError(error) ? error : (fromProviderError(error) ?? fromFrameworkError(error));
    if (known && known.status === 503 && !res.headersSent && !res.hasHeader("Retry-After")) res.setHeader("Retry-After", String(PROVIDER_RETRY_AFTER_S));
    const appError = known ?? new AppError(500, "internal_error", "Something went wrong on our side; please try again");
    if (!known) logger.error("unhandled error", { error: (error as Error)?.message, stack: (error as Error)?.stack, path: req.path });
    else if (appError.status >= 500) logger.warn("request failed", { code: appError.code, path: req.path });
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(appError.status).json(errorBody(appError, req.id));
  };
}

export function apiNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(new AppError(404, "not_found", `There is no API route ${req.method} ${req.originalUrl.split("?")[0]}`));
}

/** Anything outside the API that neither the web app nor /metrics served (a missing file): 404 JSON, not Express's HTML page. */
export function notFoundJson(req: Request, _res: Response, next: NextFunction): void {
  next(new AppError(404, "not_found", "Not found"));
}
