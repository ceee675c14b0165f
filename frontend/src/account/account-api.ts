import { browserSupportsWebAuthn, startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import { API, ApiError, renewSession, requestJson } from "../api/http";

/** The signed-in account as GET /api/v1/me describes it. */
export interface Account {
  id: string;
  email: string | null;
  created_at: string;
  has_password: boolean;
  passkeys: Array<{ id: string; name: string; created_at: string; last_used_at: string | null }>;
}

/** Who this browser is: an account, or anonymous (and whether the server lets anyone in without one). */
export type Identity = { account: Account; accountsRequired: boolean } | { account: null; accountsRequired: boolean };

export async function fetchIdentity(): Promise<Identity> {
  try {
    return { account: await requestJson<Account>("GET", "/me"), accountsRequired: false };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    // invalid_token here means the session could not be renewed: clear the stale cookies and carry on.
    if (error.code === "invalid_token") await signOut();
    return { account: null, accountsRequired: error.details?.accounts_required === true };
  }
}

interface SignedIn {
  user: Account;
}

export const register = (email: string, password: string) => requestJson<SignedIn>("POST", "/auth/register", { email, password });
export const signIn = (email: string, password: string) => requestJson<SignedIn>("POST", "/auth/login", { email, password });
export const signOut = () => requestJson<void>("POST", "/auth/logout");
export const signOutEverywhere = () => requestJson<void>("POST", "/auth/logout-all");
export const changePassword = (currentPassword: string | undefined, newPassword: string) =>
  requestJson<Account>("PATCH", "/me", { ...(currentPassword ? { current_password: currentPassword } : {}), new_password: newPassword });
export const changeEmail = (email: string, currentPassword: string | undefined) =>
  requestJson<Account>("PATCH", "/me", { email, ...(currentPassword ? { current_password: currentPassword } : {}) });
export const deleteAccount = () => requestJson<void>("DELETE", "/me");
export const removePasskey = (id: string) => requestJson<void>("DELETE", `/me/passkeys/${encodeURIComponent(id)}`);

export const passkeysSupported = () => browserSupportsWebAuthn();

/** A WebAuthn prompt the person dismissed is no failure worth a red banner. */
export const isPasskeyCancel = (error: unknown) => (error as Error)?.name === "NotAllowedError" || (error as Error)?.name === "AbortError";

/**
 * Registers a passkey: to the signed-in account, or, anonymous, as a new account of its own (which then
 * keeps this browser's conversations, like a password sign-up). Resolves to the signed-in account when
 * one was created.
 */
export async function registerPasskey(name?: string): Promise<Account | null> {
  const { ceremony_id, options } = await requestJson<{ ceremony_id: string; options: PublicKeyCredentialCreationOptionsJSON }>(
    "POST",
    "/auth/passkeys/register/options",
  );
  const response = await startRegistration({ optionsJSON: options });
  const result = await requestJson<{ user?: Account }>("POST", "/auth/passkeys/register/verify", { ceremony_id, response, ...(name ? { name } : {}) });
  return result.user ?? null;
}

export async function signInWithPasskey(): Promise<Account> {
  const { ceremony_id, options } = await requestJson<{ ceremony_id: string; options: PublicKeyCredentialRequestOptionsJSON }>(
    "POST",
    "/auth/passkeys/login/options",
  );
  const response = await startAuthentication({ optionsJSON: options });
  return (await requestJson<SignedIn>("POST", "/auth/passkeys/login/verify", { ceremony_id, response })).user;
}

/** GET /api/v1/me/export as a file download (renewing the session first if it expired). */
export async function downloadExport(): Promise<void> {
  const get = () => fetch(`${API}/me/export`, { credentials: "same-origin" });
  let response = await get();
  if (response.status === 401 && (await renewSession())) response = await get();
  if (!response.ok) throw new ApiError(response.status, "export_failed", "Your data could not be exported just now. Please try again.");
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `rose-export-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
