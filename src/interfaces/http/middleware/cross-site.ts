import type { NextFunction, Request, Response } from "express";
import { AppError } from "../../../core/errors.js";
import { requestSite } from "./request-origin.js";

/** Methods that only read; everything else can change what is stored. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request that a browser sent on behalf of another site (a form, a no-cors
 * fetch). SameSite=Lax withholds the identity cookie from such a request, so without this refusal it
 * would be served as a stranger: a fresh identity would overwrite the person's cookie, and whatever the
 * other site posted would be stored under it. Runs before any body is read or identity issued.
 */
export function crossSiteGuard(allowedOrigins: ReadonlySet<string>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (SAFE_METHODS.has(req.method) || requestSite(req, allowedOrigins) !== "foreign") return next();
    next(new AppError(403, "cross_site_request", "Requests that change data must come from Rose's own pages (or an origin listed in CORS_ORIGINS)"));
  };
}
