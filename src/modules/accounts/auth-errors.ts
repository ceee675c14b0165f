import { AppError } from "../../core/errors.js";

/** The refusals of sign-up and sign-in: one message for every wrong-credential case, so none reveals an account. */
export const invalidCredentials = () => new AppError(401, "invalid_credentials", "That email and password don't match an account");
export const invalidToken = () =>
  new AppError(401, "invalid_token", "Your sign-in is no longer valid (expired, revoked or malformed): refresh it or sign in again");
/** `accountsRequired` tells the app whether to offer anonymous use (false) or only the sign-in screen (true). */
export const authenticationRequired = (accountsRequired: boolean) =>
  new AppError(401, "authentication_required", "Please sign in or create an account to use Rose here", { accounts_required: accountsRequired });
export const refreshReused = () =>
  new AppError(401, "refresh_token_reused", "This sign-in was ended because an old refresh token was used again; please sign in again");
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new AppError(429, "too_many_attempts", `Too many failed sign-ins for this email. Please wait ${Math.ceil(retryAfterSeconds / 60)} minutes and try again.`, {
    retry_after_seconds: retryAfterSeconds,
  });
/** Sign-up with a taken address: the same answer whoever owns it, after the same hashing work as a success. */
export const emailUnavailable = () => new AppError(409, "email_unavailable", "This email can't be used for a new account. If it is yours, sign in instead.");
export const weakPassword = (message: string) => new AppError(400, "weak_password", message);
export const ceremonyFailed = (message = "The passkey could not be verified; please try again") => new AppError(400, "passkey_failed", message);
/** 400, not 401: the session is fine, only the confirmation was wrong (a 401 would make the app sign out). */
export const wrongCurrentPassword = () => new AppError(400, "wrong_current_password", "Your current password is not right");
