import type { CookieOptions, Request, Response } from "express";
import type { IssuedTokens } from "../../modules/accounts/accounts.js";
import { IDENTITY_COOKIE } from "./middleware/identity.js";

/** The access token, for every API path (both /api/v1 and the /api alias). */
export const ACCESS_COOKIE = "rose_at";
/** The refresh token, sent only to the auth routes that use it. */
export const REFRESH_COOKIE = "rose_rt";
const REFRESH_PATH = "/api/v1/auth";

/**
 * Browsers keep both tokens in HttpOnly cookies (no script ever sees them). The access cookie outlives
 * its 15-minute JWT on purpose: an expired token then answers 401 invalid_token and the app refreshes,
 * instead of the request silently passing as a stranger. The refresh cookie is SameSite=Strict: only
 * the app's own pages ever need to send it.
 */
export function setSessionCookies(res: Response, tokens: IssuedTokens, secure: boolean, now = Date.now()): void {
  const maxAge = Math.max(0, tokens.refreshExpiresAt - now);
  const base: CookieOptions = { httpOnly: true, secure, maxAge };
  res.cookie(ACCESS_COOKIE, tokens.accessToken, { ...base, sameSite: "lax", path: "/api" });
  res.cookie(REFRESH_COOKIE, tokens.refreshToken, { ...base, sameSite: "strict", path: REFRESH_PATH });
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  res.clearCookie(ACCESS_COOKIE, { httpOnly: true, secure, sameSite: "lax", path: "/api" });
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, secure, sameSite: "strict", path: REFRESH_PATH });
}

/**
 * After signing in as `userId`: a device whose anonymous id became this account (sign-up took it over)
 * forgets that cookie, so signing out later leaves a fresh stranger, never the account. A device with
 * another anonymous id keeps it: signing out returns it to its earlier anonymous self.
 */
export function forgetClaimedIdentity(req: Request, res: Response, userId: string, secure: boolean): void {
  if (req.signedCookies?.[IDENTITY_COOKIE] === userId) res.clearCookie(IDENTITY_COOKIE, { httpOnly: true, signed: true, sameSite: "lax", secure, path: "/" });
}

/** The tokens as API clients read them: `Authorization: Bearer <access_token>`, refresh with `refresh_token`. */
export const tokenBody = (tokens: IssuedTokens) => ({
  access_token: tokens.accessToken,
  token_type: "Bearer",
  expires_in: tokens.expiresIn,
  refresh_token: tokens.refreshToken,
});
