import type { NextFunction, Request, Response } from "express";
import { AppError } from "../../../core/errors.js";

/** A request carries a body when it says so: chunked, or a Content-Length above zero (an empty POST has none). */
function hasBody(req: Request): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"] ?? "0");
  return !Number.isFinite(length) || length > 0;
}

/**
 * Accepts a body only in the given media types (a request without a body passes). JSON routes refuse
 * `text/plain` and form encodings: those are what an HTML form or a no-cors fetch on another site can
 * send without a CORS preflight, so a JSON-only route is out of their reach.
 */
function acceptBody(types: string[], expected: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!hasBody(req) || req.is(types)) return next();
    next(new AppError(415, "unsupported_media_type", `Send the body as ${expected}`));
  };
}

const JSON_TYPES = ["application/json", "application/*+json"];
/** JSON Lines only under non-simple types: a cross-site form can send text/plain, never these. */
export const JSON_LINES_TYPES = ["application/x-ndjson", "application/jsonl", "application/x-jsonlines"];

export const jsonBody = acceptBody(JSON_TYPES, "JSON (Content-Type: application/json)");
export const jsonOrJsonLinesBody = acceptBody([...JSON_TYPES, ...JSON_LINES_TYPES], "JSON (application/json) or JSON Lines (application/x-ndjson)");
export const multipartBody = acceptBody(["multipart/form-data"], "multipart/form-data");
/** A chat turn: JSON, or multipart/form-data when it carries pictures (behind the cross-site guard, like voice uploads). */
export const jsonOrMultipartBody = acceptBody([...JSON_TYPES, "multipart/form-data"], "JSON (application/json), or multipart/form-data with pictures");
