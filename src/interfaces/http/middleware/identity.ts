import type { CookieOptions, NextFunction, Request, Response } from "express";
import { isUuid, newId } from "../../../core/ids.js";
import { annotateContext } from "../../../core/request-context.js";

export const IDENTITY_COOKIE = "rose_uid";
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Without authentication every visitor is an anonymous user whose id travels in a signed, HttpOnly
 * cookie: issued on first contact, unforgeable (cookie-parser verifies the signature), invisible to scripts.
 */
export function anonymousIdentity({ secure }: { secure: boolean }) {
  const cookieOptions: CookieOptions = { httpOnly: true, signed: true, sameSite: "lax", secure, maxAge: ONE_YEAR_MS, path: "/" };
  return (req: Request, res: Response, next: NextFunction): void => {
    const existing: unknown = req.signedCookies?.[IDENTITY_COOKIE];
    if (isUuid(existing)) {
      req.userId = existing;
    } else {
      req.userId = newId();
      res.cookie(IDENTITY_COOKIE, req.userId, cookieOptions);
    }
    annotateContext({ userId: req.userId });
    next();
  };
}
