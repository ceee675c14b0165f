import type Database from "better-sqlite3";
import { newId } from "../../core/ids.js";
import { accountExport, failureKey, type SessionSummary } from "./account-export.js";
import type { AccountRecord, AccountStore, ChallengeRecord, FailureState, PasskeyRecord, RefreshUse } from "./types.js";

interface AccountRow {
  id: string;
  email: string | null;
  password_hash: string | null;
  created_at: number;
}
interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: number;
  transports: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
}
interface ChallengeRow {
  id: string;
  purpose: "register" | "login";
  challenge: string;
  user_id: string | null;
  creates_account: number;
  rp_id: string;
  origins: string;
  expires_at: number;
}

const toAccount = (r: AccountRow): AccountRecord => ({ id: r.id, email: r.email, passwordHash: r.password_hash, createdAt: r.created_at });
const toPasskey = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  userId: r.user_id,
  publicKey: new Uint8Array(r.public_key),
  counter: r.counter,
  transports: JSON.parse(r.transports) as string[],
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
});

const isUniqueViolation = (error: unknown) =>
  (error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY" || (error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE";

export class SqliteAccountStore implements AccountStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS accounts (
        id TEXT PRIMARY KEY,
        email TEXT UNIQUE,
        password_hash TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS account_passkeys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        public_key BLOB NOT NULL,
        counter INTEGER NOT NULL,
        transports TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS account_passkeys_user ON account_passkeys(user_id);
      CREATE TABLE IF NOT EXISTS auth_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS auth_sessions_user ON auth_sessions(user_id);
      CREATE TABLE IF NOT EXISTS auth_refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS auth_refresh_tokens_session ON auth_refresh_tokens(session_id);
      CREATE INDEX IF NOT EXISTS auth_refresh_tokens_user ON auth_refresh_tokens(user_id);
      CREATE TABLE IF NOT EXISTS auth_challenges (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        challenge TEXT NOT NULL,
        user_id TEXT,
        creates_account INTEGER NOT NULL,
        rp_id TEXT NOT NULL,
        origins TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS auth_login_failures (
        email_key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until INTEGER,
        updated_at INTEGER NOT NULL
      );
    `);
  }

  async createAccount(account: AccountRecord): Promise<"created" | "email_taken" | "id_taken"> {
    try {
      this.db
        .prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)")
        .run(account.id, account.email, account.passwordHash, account.createdAt);
      return "created";
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (error as Error).message.includes("accounts.email") ? "email_taken" : "id_taken";
    }
  }

  async findById(id: string): Promise<AccountRecord | null> {
    const row = this.db.prepare<[string], AccountRow>("SELECT * FROM accounts WHERE id = ?").get(id);
    return row ? toAccount(row) : null;
  }

  async findByEmail(email: string): Promise<AccountRecord | null> {
    const row = this.db.prepare<[string], AccountRow>("SELECT * FROM accounts WHERE email = ?").get(email);
    return row ? toAccount(row) : null;
  }

  async isAccount(id: string): Promise<boolean> {
    return this.db.prepare<[string], { one: number }>("SELECT 1 AS one FROM accounts WHERE id = ?").get(id) !== undefined;
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    this.db.prepare("UPDATE accounts SET password_hash = ? WHERE id = ?").run(hash, id);
  }

  async setEmail(id: string, email: string): Promise<boolean> {
    try {
      this.db.prepare("UPDATE accounts SET email = ? WHERE id = ?").run(email, id);
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async failures(key: string): Promise<FailureState> {
    const row = this.db.prepare<[string], { failures: number; locked_until: number | null }>("SELECT * FROM auth_login_failures WHERE email_key = ?").get(key);
    return { failures: row?.failures ?? 0, lockedUntil: row?.locked_until ?? null };
  }

  async recordFailure(key: string, now: number, max: number, lockMs: number): Promise<FailureState> {
    return this.db.transaction((): FailureState => {
      // Counters nobody has touched for a day are stale: dropping them keeps the table small.
      this.db.prepare("DELETE FROM auth_login_failures WHERE updated_at < ?").run(now - 86_400_000);
      const row = this.db.prepare<[string], { failures: number }>("SELECT failures FROM auth_login_failures WHERE email_key = ?").get(key);
      const failures = (row?.failures ?? 0) + 1;
      const state: FailureState = failures >= max ? { failures: 0, lockedUntil: now + lockMs } : { failures, lockedUntil: null };
      this.db
        .prepare(
          `INSERT INTO auth_login_failures (email_key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(email_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
        )
        .run(key, state.failures, state.lockedUntil, now);
      return state;
    })();
  }

  async clearFailures(key: string): Promise<void> {
    this.db.prepare("DELETE FROM auth_login_failures WHERE email_key = ?").run(key);
  }

  async createSession(userId: string, now: number, method: string): Promise<string> {
    const id = newId();
    this.db.prepare("INSERT INTO auth_sessions (id, user_id, method, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)").run(id, userId, method, now, now);
    return id;
  }

  async sessionActive(sessionId: string, userId: string): Promise<boolean> {
    return (
      this.db
        .prepare<[string, string], { one: number }>("SELECT 1 AS one FROM auth_sessions WHERE id = ? AND user_id = ? AND revoked_at IS NULL")
        .get(sessionId, userId) !== undefined
    );
  }

  async touchSession(sessionId: string, now: number): Promise<void> {
    this.db.prepare("UPDATE auth_sessions SET last_used_at = ? WHERE id = ?").run(now, sessionId);
  }

  async revokeSession(sessionId: string, now: number): Promise<void> {
    this.db.prepare("UPDATE auth_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, sessionId);
  }

  async revokeAllSessions(userId: string, now: number, except?: string): Promise<void> {
    this.db.prepare("UPDATE auth_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND id != ?").run(now, userId, except ?? "");
  }

  async addRefreshToken(hash: string, sessionId: string, userId: string, now: number, expiresAt: number): Promise<void> {
    this.db
      .prepare("INSERT INTO auth_refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .run(hash, sessionId, userId, now, expiresAt);
  }

  async useRefreshToken(hash: string, now: number): Promise<RefreshUse> {
    const used = this.db
      .prepare<[number, string, number], { session_id: string; user_id: string }>(
        "UPDATE auth_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING session_id, user_id",
      )
      .get(now, hash, now);
    if (used) return { status: "ok", sessionId: used.session_id, userId: used.user_id };
    const row = this.db
      .prepare<[string], { session_id: string; used_at: number | null }>("SELECT session_id, used_at FROM auth_refresh_tokens WHERE token_hash = ?")
      .get(hash);
    return row?.used_at != null ? { status: "reused", sessionId: row.session_id } : { status: "unknown" };
  }

  async addPasskey(p: PasskeyRecord): Promise<void> {
    this.db
      .prepare("INSERT INTO account_passkeys (id, user_id, public_key, counter, transports, name, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(p.id, p.userId, Buffer.from(p.publicKey), p.counter, JSON.stringify(p.transports), p.name, p.createdAt, p.lastUsedAt);
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    return this.db.prepare<[string], PasskeyRow>("SELECT * FROM account_passkeys WHERE user_id = ? ORDER BY created_at").all(userId).map(toPasskey);
  }

  async findPasskey(id: string): Promise<PasskeyRecord | null> {
    const row = this.db.prepare<[string], PasskeyRow>("SELECT * FROM account_passkeys WHERE id = ?").get(id);
    return row ? toPasskey(row) : null;
  }

  async passkeyUsed(id: string, counter: number, now: number): Promise<void> {
    this.db.prepare("UPDATE account_passkeys SET counter = ?, last_used_at = ? WHERE id = ?").run(counter, now, id);
  }

  async deletePasskey(id: string, userId: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM account_passkeys WHERE id = ? AND user_id = ?").run(id, userId).changes > 0;
  }

  async saveChallenge(c: ChallengeRecord): Promise<void> {
    this.db.prepare("DELETE FROM auth_challenges WHERE expires_at < ?").run(Date.now());
    this.db
      .prepare("INSERT INTO auth_challenges (id, purpose, challenge, user_id, creates_account, rp_id, origins, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(c.id, c.purpose, c.challenge, c.userId, c.createsAccount ? 1 : 0, c.rpId, JSON.stringify(c.origins), c.expiresAt);
  }

  async takeChallenge(id: string, now: number): Promise<ChallengeRecord | null> {
    const row = this.db.prepare<[string], ChallengeRow>("DELETE FROM auth_challenges WHERE id = ? RETURNING *").get(id);
    if (!row || row.expires_at <= now) return null;
    return {
      id: row.id,
      purpose: row.purpose,
      challenge: row.challenge,
      userId: row.user_id,
      createsAccount: row.creates_account === 1,
      rpId: row.rp_id,
      origins: JSON.parse(row.origins) as string[],
      expiresAt: row.expires_at,
    };
  }

  async exportUser(userId: string): Promise<unknown> {
    const sessions = this.db
      .prepare<[string], { created_at: number; last_used_at: number; method: string; revoked_at: number | null }>(
        "SELECT created_at, last_used_at, method, revoked_at FROM auth_sessions WHERE user_id = ? ORDER BY created_at",
      )
      .all(userId)
      .map((s): SessionSummary => ({ createdAt: s.created_at, lastUsedAt: s.last_used_at, method: s.method, revokedAt: s.revoked_at }));
    return accountExport(await this.findById(userId), await this.listPasskeys(userId), sessions);
  }

  async eraseUser(userId: string): Promise<void> {
    const account = await this.findById(userId);
    this.db.transaction(() => {
      if (account?.email) this.db.prepare("DELETE FROM auth_login_failures WHERE email_key = ?").run(failureKey(account.email));
      this.db.prepare("DELETE FROM auth_refresh_tokens WHERE user_id = ?").run(userId);
      this.db.prepare("DELETE FROM auth_sessions WHERE user_id = ?").run(userId);
      this.db.prepare("DELETE FROM account_passkeys WHERE user_id = ?").run(userId);
      this.db.prepare("DELETE FROM auth_challenges WHERE user_id = ?").run(userId);
      this.db.prepare("DELETE FROM accounts WHERE id = ?").run(userId);
    })();
  }
}
