import type { NextFunction, Request, Response } from "express";
import { newId } from "../../../core/ids.js";
import { annotateContext } from "../../../core/request-context.js";
import type { Accounts } from "../../../modules/accounts/accounts.js";
import { authenticationRequired, invalidToken } from "../../../modules/accounts/auth-errors.js";
import { ACCESS_COOKIE } from "../auth-cookies.js";
import { anonymousIdentity, IDENTITY_COOKIE } from "./identity.js";

declare module "express-serve-static-core" {
  interface Request {
    /** Set when the caller presented a valid access token: whose it is and which sign-in session. */
    account?: { userId: string; sessionId: string };
  }
}

/** What answers without an account when REQUIRE_AUTHENTICATION=true: health, sign-up, sign-in, refresh, sign-out. */
const OPEN_PATHS = new Set([
  "/health",
  "/health/ready",
  "/auth/register",
  "/auth/login",
  "/auth/refresh",
  "/auth/logout",
  "/auth/passkeys/register/options",
  "/auth/passkeys/register/verify",
  "/auth/passkeys/login/options",
  "/auth/passkeys/login/verify",
]);

/**
 * Where a stale token is ignored rather than refused, so one can always sign in again. Not the passkey
 * registration routes: there an expired token must be renewed, or "add a passkey to my account" would
 * quietly become "create a new account with this passkey".
 */
const SIGN_IN_PATHS = new Set([
  "/auth/register",
  "/auth/login",
  "/auth/refresh",
  "/auth/logout",
  "/auth/passkeys/login/options",
  "/auth/passkeys/login/verify",
]);

const routePath = (req: Request) => req.path.replace(/\/+$/, "") || "/";
const isOpen = (req: Request) => OPEN_PATHS.has(routePath(req));

/** The access token the caller presented: the Bearer header, else the HttpOnly cookie (browsers, the live voice socket). */
export function presentedToken(req: Request): string | undefined {
  const header = req.get("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  const cookie: unknown = req.cookies?.[ACCESS_COOKIE];
  return typeof cookie === "string" && cookie !== "" ? cookie : undefined;
}

/**
 * Who is calling. A valid access token (Bearer header or the HttpOnly cookie) makes the caller its
 * account. A bad, expired or revoked one is a 401 `invalid_token`, never a quiet fall back to
 * anonymous (which would show the person an empty Rose); only the sign-in routes let a stale token pass. Without a token: anonymous as before, unless REQUIRE_AUTHENTICATION.
 * An anonymous cookie whose id has become an account no longer speaks for it: a fresh one is issued.
 */
export function authentication({
  accounts,
  requireAuthentication,
  secure,
  allowedOrigins,
}: {
  accounts: Accounts;
  requireAuthentication: boolean;
  secure: boolean;
  allowedOrigins: ReadonlySet<string>;
}) {
  const anonymous = anonymousIdentity({ secure, allowedOrigins });
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = presentedToken(req);
    if (token !== undefined) {
      const claims = await accounts.authenticate(token);
      if (claims) {
        req.account = claims;
        req.userId = claims.userId;
        annotateContext({ userId: claims.userId });
        return next();
      }
      if (!SIGN_IN_PATHS.has(routePath(req))) return next(invalidToken());
    }
    if (requireAuthentication) {
      if (!isOpen(req)) return next(authenticationRequired(true));
      req.userId = newId(); // a stranger who may only sign up or sign in; never stored anywhere
      return next();
    }
    const cookieId: unknown = req.signedCookies?.[IDENTITY_COOKIE];
    if (typeof cookieId === "string" && (await accounts.isAccount(cookieId))) delete (req.signedCookies as Record<string, unknown>)[IDENTITY_COOKIE];
    anonymous(req, res, next);
  };
}
