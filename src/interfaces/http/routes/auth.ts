import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { z } from "zod";
import { AppError } from "../../../core/errors.js";
import type { IssuedTokens } from "../../../modules/accounts/accounts.js";
import { authenticationRequired, invalidToken } from "../../../modules/accounts/auth-errors.js";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../../../modules/accounts/passwords.js";
import { clearSessionCookies, forgetClaimedIdentity, REFRESH_COOKIE, setSessionCookies, tokenBody } from "../auth-cookies.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { errorBody } from "../middleware/errors.js";
import { allowedOriginSet, requestSite } from "../middleware/request-origin.js";
import { parseInput } from "../validation.js";

export const emailSchema = z
  .string({ error: "must be an email address" })
  .trim()
  .max(254, { error: "must be at most 254 characters" })
  .pipe(z.email({ error: "must be an email address such as maya@example.com" }));
export const newPasswordSchema = z
  .string({ error: "must be a password" })
  .min(MIN_PASSWORD_LENGTH, { error: `must be at least ${MIN_PASSWORD_LENGTH} characters` })
  .max(MAX_PASSWORD_LENGTH, { error: `must be at most ${MAX_PASSWORD_LENGTH} characters` });
/** Sign-in checks no policy (older passwords stay valid), only the bound that keeps hashing cheap. */
const presentedPassword = z
  .string({ error: "must be a password" })
  .min(1, { error: "is required" })
  .max(MAX_PASSWORD_LENGTH, { error: `must be at most ${MAX_PASSWORD_LENGTH} characters` });

export const registerBody = z.object({ email: emailSchema, password: newPasswordSchema });
export const loginBody = z.object({ email: z.string({ error: "is required" }).trim().min(1, { error: "is required" }).max(254), password: presentedPassword });
export const refreshBody = z.object({ refresh_token: z.string().min(1).max(200).optional() });

/** The browser's credential as JSON (@simplewebauthn/browser's output); the library checks the rest. */
export const credentialJson = z.looseObject({
  id: z.string().min(1).max(1024),
  rawId: z.string().min(1).max(1024),
  type: z.literal("public-key"),
  response: z.looseObject({ clientDataJSON: z.string().min(1).max(65_536) }),
  clientExtensionResults: z.looseObject({}).default({}),
});
const ceremonyId = z.uuid({ error: "must be the ceremony_id from the options call" });
export const registerVerifyBody = z.object({ ceremony_id: ceremonyId, response: credentialJson, name: z.string().trim().max(60).optional() });
export const loginVerifyBody = z.object({ ceremony_id: ceremonyId, response: credentialJson });

/** Sign-in and sign-up attempts per address: what makes guessing slow on top of the per-email lockout. */
function attemptLimiter(deps: HttpDeps): RequestHandler {
  const limit = deps.config.auth.rateLimitPerMinute;
  if (limit <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? "unknown"),
    ...(deps.rateLimitStore ? { store: deps.rateLimitStore("rose:rl:auth:") } : {}),
    handler: (req, res) => {
      const error = new AppError(429, "rate_limited", `Too many sign-in attempts from here: at most ${limit} per minute. Please wait a moment and try again.`);
      res.status(429).json(errorBody(error, req.id));
    },
  });
}

function refreshCookie(req: Request): string | undefined {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  const value = cookies?.[REFRESH_COOKIE];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function authRoutes(deps: HttpDeps): Router {
  const { accounts, passkeys } = deps;
  const secure = deps.config.environment === "production";
  const allowedOrigins = allowedOriginSet(deps.config.corsOrigins);
  const attempts = attemptLimiter(deps);
  const router = Router();

  /** The Origin of a page the browser vouches for (this app, or one in CORS_ORIGINS): WebAuthn's origin. */
  const pageOrigin = (req: Request): string | null => {
    const origin = req.get("origin");
    const site = requestSite(req, allowedOrigins);
    if (!origin || (site !== "own" && site !== "allowed")) return null;
    try {
      return new URL(origin).origin;
    } catch {
      return null;
    }
  };

  async function signedIn(req: Request, res: Response, tokens: IssuedTokens, status: number): Promise<void> {
    forgetClaimedIdentity(req, res, tokens.userId, secure);
    setSessionCookies(res, tokens, secure);
    res.status(status).json({ user: await accounts.describe(tokens.userId), ...tokenBody(tokens) });
  }

  /** The anonymous id an account made now would take over; none for a caller already signed in or a stranger. */
  const claimable = (req: Request): string | null => (req.account || deps.config.requireAuthentication ? null : req.userId);

  router.post("/auth/register", jsonBody, attempts, async (req, res) => {
    const { email, password } = parseInput(registerBody, req.body);
    const { tokens } = await accounts.register(email, password, claimable(req));
    await signedIn(req, res, tokens, 201);
  });

  router.post("/auth/login", jsonBody, attempts, async (req, res) => {
    const { email, password } = parseInput(loginBody, req.body);
    try {
      const { tokens } = await accounts.login(email, password);
      await signedIn(req, res, tokens, 200);
    } catch (error) {
      if (error instanceof AppError && error.status === 429 && typeof error.details?.retry_after_seconds === "number")
        res.setHeader("Retry-After", String(error.details.retry_after_seconds));
      throw error;
    }
  });

  router.post("/auth/refresh", jsonBody, async (req, res) => {
    const { refresh_token } = parseInput(refreshBody, req.body);
    const presented = refresh_token ?? refreshCookie(req);
    if (!presented) throw invalidToken();
    try {
      await signedIn(req, res, await accounts.refresh(presented), 200);
    } catch (error) {
      clearSessionCookies(res, secure);
      throw error;
    }
  });

  router.post("/auth/logout", jsonBody, async (req, res) => {
    const { refresh_token } = parseInput(refreshBody, req.body);
    const refreshToken = refresh_token ?? refreshCookie(req);
    await accounts.logout({ ...(req.account ? { sessionId: req.account.sessionId } : {}), ...(refreshToken ? { refreshToken } : {}) });
    clearSessionCookies(res, secure);
    res.status(204).end();
  });

  router.post("/auth/logout-all", jsonBody, async (req, res) => {
    if (!req.account) throw authenticationRequired(deps.config.requireAuthentication);
    await accounts.logoutEverywhere(req.account.userId);
    clearSessionCookies(res, secure);
    res.status(204).end();
  });

  // Signed in: adds a passkey to the account. Otherwise: creates an account with the passkey alone,
  // taking over the caller's anonymous identity like a password sign-up does.
  const registrationCaller = (req: Request) =>
    req.account ? ({ kind: "account", userId: req.account.userId } as const) : ({ kind: "new", claimId: claimable(req) ?? req.userId } as const);

  router.post("/auth/passkeys/register/options", jsonBody, attempts, async (req, res) => {
    res.json(await passkeys.registrationOptions(registrationCaller(req), pageOrigin(req)));
  });

  router.post("/auth/passkeys/register/verify", jsonBody, attempts, async (req, res) => {
    const body = parseInput(registerVerifyBody, req.body);
    const result = await passkeys.verifyRegistration(
      registrationCaller(req),
      body.ceremony_id,
      body.response as unknown as RegistrationResponseJSON,
      body.name,
    );
    if (result.tokens) return signedIn(req, res, result.tokens, 201);
    res.status(201).json({ passkey: result.passkey });
  });

  router.post("/auth/passkeys/login/options", jsonBody, attempts, async (req, res) => {
    res.json(await passkeys.loginOptions(pageOrigin(req)));
  });

  router.post("/auth/passkeys/login/verify", jsonBody, attempts, async (req, res) => {
    const body = parseInput(loginVerifyBody, req.body);
    await signedIn(req, res, await passkeys.verifyLogin(body.ceremony_id, body.response as unknown as AuthenticationResponseJSON), 200);
  });

  return router;
}
