import { newId } from "../../core/ids.js";
import { failureKey } from "./account-export.js";
import { emailUnavailable, invalidCredentials, invalidToken, refreshReused, tooManyAttempts, weakPassword, wrongCurrentPassword } from "./auth-errors.js";
import { burnVerification, hashPassword, passwordWeakness, prepareDummyHash, verifyPassword } from "./passwords.js";
import { type AccessClaims, AccessTokens, hashRefreshToken, newRefreshToken } from "./tokens.js";
import type { AccountRecord, AccountStore, PasskeyRecord } from "./types.js";

export interface AccountSettings {
  maxFailedLogins: number;
  lockoutMs: number;
  accessTokenSeconds: number;
  refreshTokenMs: number;
}

export interface IssuedTokens {
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  /** Seconds the access token lives. */
  expiresIn: number;
  /** Epoch ms when the refresh token expires (the refresh cookie's lifetime). */
  refreshExpiresAt: number;
}

export interface AccountView {
  id: string;
  email: string | null;
  created_at: string;
  has_password: boolean;
  passkeys: PasskeyView[];
}

export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export const passkeyView = (p: PasskeyRecord): PasskeyView => ({
  id: p.id,
  name: p.name,
  created_at: new Date(p.createdAt).toISOString(),
  last_used_at: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
});

/** Emails compare as people expect: surrounding spaces and letter case do not make a second account. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Accounts and sign-in sessions: sign-up (taking over the caller's anonymous identity), password
 * sign-in with lockout, rotating refresh tokens with reuse detection, revocation. Knows nothing of HTTP.
 */
export class Accounts {
  readonly tokens: AccessTokens;

  constructor(
    readonly store: AccountStore,
    signingSecret: string,
    private readonly settings: AccountSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new AccessTokens(signingSecret, settings.accessTokenSeconds);
    prepareDummyHash().catch(() => undefined); // a failure shows on first use instead
  }

  isAccount(userId: string): Promise<boolean> {
    return this.store.isAccount(userId);
  }

  /**
   * Creates an account. `claimId` is the caller's anonymous id: the account takes it over, so every thread
   * and memory already kept under it stays theirs with nothing to move. Without one (or if it is somehow
   * taken) the account gets a fresh id.
   */
  async register(email: string, password: string, claimId: string | null): Promise<{ account: AccountRecord; tokens: IssuedTokens }> {
    const normalised = normaliseEmail(email);
    const weakness = passwordWeakness(password, normalised);
    if (weakness) throw weakPassword(weakness);
    // Hashed before the uniqueness check, so a taken email costs the same time as a new one.
    const passwordHash = await hashPassword(password);
    for (const id of [claimId ?? newId(), newId()]) {
      const account: AccountRecord = { id, email: normalised, passwordHash, createdAt: this.now() };
      const outcome = await this.store.createAccount(account);
      if (outcome === "email_taken") throw emailUnavailable();
      if (outcome === "created") return { account, tokens: await this.startSession(id, "password") };
    }
    throw new Error("could not allocate an account id");
  }

  /** An account with no email or password, made by registering a passkey. */
  async createPasskeyAccount(claimId: string): Promise<AccountRecord> {
    for (const id of [claimId, newId()]) {
      const account: AccountRecord = { id, email: null, passwordHash: null, createdAt: this.now() };
      if ((await this.store.createAccount(account)) === "created") return account;
    }
    throw new Error("could not allocate an account id");
  }

  /**
   * Password sign-in. Unknown email, passkey-only account and wrong password are one answer after the
   * same work; failures are counted per email whether or not it has an account, so a lockout reveals
   * nothing either.
   */
  async login(email: string, password: string): Promise<{ account: AccountRecord; tokens: IssuedTokens }> {
    const normalised = normaliseEmail(email);
    const key = failureKey(normalised);
    const now = this.now();
    const state = await this.store.failures(key);
    if (state.lockedUntil !== null && state.lockedUntil > now) throw tooManyAttempts(Math.ceil((state.lockedUntil - now) / 1000));
    const account = await this.store.findByEmail(normalised);
    let ok = false;
    if (account?.passwordHash) ok = await verifyPassword(account.passwordHash, password);
    else await burnVerification(password);
    if (!account || !ok) {
      const after = await this.store.recordFailure(key, now, this.settings.maxFailedLogins, this.settings.lockoutMs);
      if (after.lockedUntil !== null) throw tooManyAttempts(Math.ceil(this.settings.lockoutMs / 1000));
      throw invalidCredentials();
    }
    await this.store.clearFailures(key);
    return { account, tokens: await this.startSession(account.id, "password") };
  }

  /** A new sign-in session (a refresh-token family) and its first pair of tokens. */
  async startSession(userId: string, method: "password" | "passkey"): Promise<IssuedTokens> {
    const sessionId = await this.store.createSession(userId, this.now(), method);
    return this.issue(userId, sessionId);
  }

  /** Rotates: the presented token is retired and a new one issued; a retired one presented again ends its family. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const now = this.now();
    const use = await this.store.useRefreshToken(hashRefreshToken(refreshToken), now);
    if (use.status === "reused") {
      await this.store.revokeSession(use.sessionId, now);
      throw refreshReused();
    }
    if (use.status === "unknown" || !(await this.store.sessionActive(use.sessionId, use.userId))) throw invalidToken();
    await this.store.touchSession(use.sessionId, now);
    return this.issue(use.userId, use.sessionId);
  }

  /** The claims of an access token whose session is still live (checked on every use, so revocation is immediate). */
  async authenticate(accessToken: string): Promise<AccessClaims | null> {
    const claims = await this.tokens.verify(accessToken);
    if (!claims) return null;
    return (await this.store.sessionActive(claims.sessionId, claims.userId)) ? claims : null;
  }

  /** Ends the session an access or refresh token belongs to; unknown tokens end nothing and are no error. */
  async logout(session: { sessionId?: string; refreshToken?: string }): Promise<void> {
    const now = this.now();
    if (session.sessionId) await this.store.revokeSession(session.sessionId, now);
    if (session.refreshToken) {
      const use = await this.store.useRefreshToken(hashRefreshToken(session.refreshToken), now);
      if (use.status !== "unknown") await this.store.revokeSession(use.sessionId, now);
    }
  }

  logoutEverywhere(userId: string): Promise<void> {
    return this.store.revokeAllSessions(userId, this.now());
  }

  async describe(userId: string): Promise<AccountView | null> {
    const account = await this.store.findById(userId);
    if (!account) return null;
    return {
      id: account.id,
      email: account.email,
      created_at: new Date(account.createdAt).toISOString(),
      has_password: account.passwordHash !== null,
      passkeys: (await this.store.listPasskeys(userId)).map(passkeyView),
    };
  }

  /**
   * Changes the email and/or password. With a password set, the current one must be given (a stolen
   * session alone cannot take the account over); every other session ends with a password change.
   */
  async update(
    userId: string,
    sessionId: string,
    change: { currentPassword?: string | undefined; newPassword?: string | undefined; email?: string | undefined },
  ): Promise<void> {
    const account = await this.store.findById(userId);
    if (!account) throw invalidToken();
    if (account.passwordHash) await this.confirmPassword(account, change.currentPassword);
    const email = change.email === undefined ? account.email : normaliseEmail(change.email);
    if (change.newPassword !== undefined) {
      const weakness = passwordWeakness(change.newPassword, email);
      if (weakness) throw weakPassword(weakness);
    }
    if (change.email !== undefined && email !== account.email && !(await this.store.setEmail(userId, email!))) throw emailUnavailable();
    if (change.newPassword !== undefined) {
      if (!email) throw weakPassword("Add an email address to sign in with alongside the password");
      await this.store.setPasswordHash(userId, await hashPassword(change.newPassword));
      await this.store.revokeAllSessions(userId, this.now(), sessionId);
    }
  }

  /** The current password, checked under the same lockout as sign-in: a stolen session cannot guess it freely. */
  private async confirmPassword(account: AccountRecord, password: string | undefined): Promise<void> {
    const key = failureKey(account.email ?? account.id);
    const now = this.now();
    const state = await this.store.failures(key);
    if (state.lockedUntil !== null && state.lockedUntil > now) throw tooManyAttempts(Math.ceil((state.lockedUntil - now) / 1000));
    if (password !== undefined && (await verifyPassword(account.passwordHash!, password))) return;
    const after = await this.store.recordFailure(key, now, this.settings.maxFailedLogins, this.settings.lockoutMs);
    if (after.lockedUntil !== null) throw tooManyAttempts(Math.ceil(this.settings.lockoutMs / 1000));
    throw wrongCurrentPassword();
  }

  private async issue(userId: string, sessionId: string): Promise<IssuedTokens> {
    const now = this.now();
    const refreshToken = newRefreshToken();
    const refreshExpiresAt = now + this.settings.refreshTokenMs;
    await this.store.addRefreshToken(hashRefreshToken(refreshToken), sessionId, userId, now, refreshExpiresAt);
    const accessToken = await this.tokens.issue({ userId, sessionId });
    return { userId, sessionId, accessToken, refreshToken, expiresIn: this.tokens.expiresIn, refreshExpiresAt };
  }
}
