import type { CookieOptions, NextFunction, Request, Response } from "express";
import { isUuid, newId } from "../../../core/ids.js";
import { annotateContext } from "../../../core/request-context.js";
import { requestSite } from "./request-origin.js";

export const IDENTITY_COOKIE = "rose_uid";
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Without authentication every visitor is an anonymous user whose id travels in a signed, HttpOnly
 * cookie: issued on first contact, unforgeable (cookie-parser verifies the signature), invisible to scripts.
 *
 * Never issued on a request another site made: SameSite=Lax withholds the cookie from those, so a
 * cookie-less request from another site says nothing about whether the person has one, and a fresh
 * cookie would overwrite theirs. Such a request (only reads get this far) is served as a passing
 * stranger whose id is never stored in the browser.
 */
export function anonymousIdentity({ secure, allowedOrigins }: { secure: boolean; allowedOrigins: ReadonlySet<string> }) {
  const cookieOptions: CookieOptions = { httpOnly: true, signed: true, sameSite: "lax", secure, maxAge: ONE_YEAR_MS, path: "/" };
  return (req: Request, res: Response, next: NextFunction): void => {
    const existing: unknown = req.signedCookies?.[IDENTITY_COOKIE];
    if (isUuid(existing)) {
      req.userId = existing;
    } else {
      req.userId = newId();
      if (requestSite(req, allowedOrigins) !== "foreign") res.cookie(IDENTITY_COOKIE, req.userId, cookieOptions);
    }
    annotateContext({ userId: req.userId });
    next();
  };
}
