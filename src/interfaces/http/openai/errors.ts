import type { NextFunction, Request, Response } from "express";
import { z } from "zod";
import { AppError, isAppError } from "../../../core/errors.js";
import type { Logger } from "../../../core/logger.js";
import { fromFrameworkError, fromProviderError } from "../middleware/errors.js";

/**
 * Errors under /v1 in OpenAI's shape, so OpenAI's client libraries and the chat apps built on them
 * recognise them: `{"error": {"message", "type", "code", "param"}}`, with OpenAI's status codes.
 */
export const openAiErrorSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().describe("invalid_request_error, authentication_error, rate_limit_error or server_error"),
    code: z.string().nullable(),
    param: z.string().nullable(),
  }),
});

export type OpenAiErrorBody = z.infer<typeof openAiErrorSchema>;

function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** `messages.2.content.0.type` → `messages[2].content[0].type`, as OpenAI names a parameter. */
const paramName = (field: string) => field.replace(/\.(\d+)(?=\.|$)/g, "[$1]");

function paramOf(error: AppError): string | null {
  const explicit = error.details?.param;
  if (typeof explicit === "string") return explicit;
  const fields = error.details?.fields as Array<{ field: string }> | undefined;
  const field = fields?.[0]?.field;
  return field ? paramName(field) : null;
}

/** An error with the parameter it is about named for OpenAI's `param`. */
export const openAiError = (status: number, code: string, message: string, param: string | null = null) =>
  new AppError(status, code, message, param ? { param } : undefined);

export function openAiErrorBody(error: AppError): OpenAiErrorBody {
  // The first validation message names the field ("messages: …"); OpenAI's clients show `message` alone.
  return { error: { message: error.message, type: typeFor(error.status), code: error.code, param: paramOf(error) } };
}

/** The /v1 router's error handler: the same client-safe mapping as the rest of the API, in OpenAI's shape. */
export function openAiErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = isAppError(error) ? error : (fromProviderError(error) ?? fromFrameworkError(error));
    const appError = known ?? new AppError(500, "internal_error", "Something went wrong on our side; please try again");
    if (!known) logger.error("unhandled error", { error: (error as Error)?.message, stack: (error as Error)?.stack, path: req.path });
    else if (appError.status >= 500) logger.warn("request failed", { code: appError.code, path: req.path });
    if (res.headersSent) {
      res.end();
      return;
    }
    if (appError.status === 503 && !res.hasHeader("Retry-After")) res.setHeader("Retry-After", "30");
    if (appError.status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="rose"');
    res.status(appError.status).json(openAiErrorBody(appError));
  };
}

export function openAiNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(openAiError(404, "unknown_url", `Unknown request URL: ${req.method} ${req.originalUrl.split("?")[0]}`));
}
