/** Everything an account is made of, as the stores keep it. Times are epoch milliseconds. */

export interface AccountRecord {
  /** The user id every thread, memory and companion state is keyed by (an anonymous id, when one signed up). */
  id: string;
  /** Normalised (trimmed, lower-case); null for an account made with a passkey alone. */
  email: string | null;
  /** argon2id PHC string; null when the person signs in with passkeys only. */
  passwordHash: string | null;
  createdAt: number;
}

export interface PasskeyRecord {
  /** The credential id (base64url), as the authenticator reports it. */
  id: string;
  userId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** A pending WebAuthn ceremony: single use, short-lived, bound to the relying party it was offered for. */
export interface ChallengeRecord {
  id: string;
  purpose: "register" | "login";
  challenge: string;
  /** register: the account the passkey will belong to (existing, or to be created with this id). */
  userId: string | null;
  /** register: true when the ceremony creates the account (a passkey alone, no password). */
  createsAccount: boolean;
  rpId: string;
  origins: string[];
  expiresAt: number;
}

export type RefreshUse =
  | { status: "ok"; sessionId: string; userId: string }
  /** A retired token presented again: someone holds a copy, so its whole family is revoked. */
  | { status: "reused"; sessionId: string }
  | { status: "unknown" };

export interface FailureState {
  failures: number;
  lockedUntil: number | null;
}

/**
 * Where accounts, sign-in sessions (refresh-token families), passkeys and ceremonies live: SQLite or
 * PostgreSQL, next to the conversations (src/persistence.ts).
 */
export interface AccountStore {
  /** "email_taken" / "id_taken" instead of throwing, so a race on sign-up is an ordinary answer. */
  createAccount(account: AccountRecord): Promise<"created" | "email_taken" | "id_taken">;
  findById(id: string): Promise<AccountRecord | null>;
  findByEmail(email: string): Promise<AccountRecord | null>;
  isAccount(id: string): Promise<boolean>;
  setPasswordHash(id: string, hash: string): Promise<void>;
  /** False when another account has this email. */
  setEmail(id: string, email: string): Promise<boolean>;

  /** Failed sign-ins per email key (a hash of the email, known or not, so lockouts reveal nothing). */
  failures(key: string): Promise<FailureState>;
  /** Counts a failure; at `max` failures the key is locked until now + lockMs and the count starts over. */
  recordFailure(key: string, now: number, max: number, lockMs: number): Promise<FailureState>;
  clearFailures(key: string): Promise<void>;

  /** A sign-in session: one family of refresh tokens. */
  createSession(userId: string, now: number, method: string): Promise<string>;
  /** True while the session exists, belongs to the user and is not revoked. */
  sessionActive(sessionId: string, userId: string): Promise<boolean>;
  touchSession(sessionId: string, now: number): Promise<void>;
  revokeSession(sessionId: string, now: number): Promise<void>;
  /** Every session of the user, but `except` (the caller's, after a password change). */
  revokeAllSessions(userId: string, now: number, except?: string): Promise<void>;

  addRefreshToken(hash: string, sessionId: string, userId: string, now: number, expiresAt: number): Promise<void>;
  /** Retires the token atomically: of two concurrent uses only one is "ok". */
  useRefreshToken(hash: string, now: number): Promise<RefreshUse>;

  addPasskey(passkey: PasskeyRecord): Promise<void>;
  listPasskeys(userId: string): Promise<PasskeyRecord[]>;
  findPasskey(id: string): Promise<PasskeyRecord | null>;
  passkeyUsed(id: string, counter: number, now: number): Promise<void>;
  /** False when the person has no such passkey (someone else's id included). */
  deletePasskey(id: string, userId: string): Promise<boolean>;

  saveChallenge(challenge: ChallengeRecord): Promise<void>;
  /** The ceremony, removed as it is read (single use); null when unknown or expired. */
  takeChallenge(id: string, now: number): Promise<ChallengeRecord | null>;

  /** The person's account data for their archive: never a hash, a key or a token. */
  exportUser(userId: string): Promise<unknown>;
  /** Removes the account, its sessions, tokens, passkeys, ceremonies and lockout counters. */
  eraseUser(userId: string): Promise<void>;
}
