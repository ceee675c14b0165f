import type pg from "pg";
import { newId } from "../../core/ids.js";
import { accountExport, failureKey } from "./account-export.js";
import type { AccountRecord, AccountStore, ChallengeRecord, FailureState, PasskeyRecord, RefreshUse } from "./types.js";

// Times are epoch milliseconds in BIGINT columns, as in the SQLite store, so both compare the same way;
// pg returns BIGINT as a string, hence the Number() on the way out.
interface AccountRow {
  id: string;
  email: string | null;
  password_hash: string | null;
  created_at: string;
}
interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  name: string;
  created_at: string;
  last_used_at: string | null;
}
interface ChallengeRow {
  id: string;
  purpose: "register" | "login";
  challenge: string;
  user_id: string | null;
  creates_account: boolean;
  rp_id: string;
  origins: string[];
  expires_at: string;
}

const maybeNumber = (v: string | null) => (v === null ? null : Number(v));
const toAccount = (r: AccountRow): AccountRecord => ({ id: r.id, email: r.email, passwordHash: r.password_hash, createdAt: Number(r.created_at) });
const toPasskey = (r: PasskeyRow): PasskeyRecord => ({
  id: r.id,
  userId: r.user_id,
  publicKey: new Uint8Array(r.public_key),
  counter: Number(r.counter),
  transports: r.transports,
  name: r.name,
  createdAt: Number(r.created_at),
  lastUsedAt: maybeNumber(r.last_used_at),
});

const violatedConstraint = (error: unknown) => ((error as { code?: string }).code === "23505" ? ((error as { constraint?: string }).constraint ?? "") : null);

export class PgAccountStore implements AccountStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgAccountStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_accounts (
        id TEXT PRIMARY KEY,
        email TEXT,
        password_hash TEXT,
        created_at BIGINT NOT NULL,
        CONSTRAINT rose_accounts_email_key UNIQUE (email)
      );
      CREATE TABLE IF NOT EXISTS rose_account_passkeys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        public_key BYTEA NOT NULL,
        counter BIGINT NOT NULL,
        transports JSONB NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT
      );
      CREATE INDEX IF NOT EXISTS rose_account_passkeys_user ON rose_account_passkeys(user_id);
      CREATE TABLE IF NOT EXISTS rose_auth_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        method TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE INDEX IF NOT EXISTS rose_auth_sessions_user ON rose_auth_sessions(user_id);
      CREATE TABLE IF NOT EXISTS rose_auth_refresh_tokens (
        token_hash TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
      );
      CREATE INDEX IF NOT EXISTS rose_auth_refresh_tokens_user ON rose_auth_refresh_tokens(user_id);
      CREATE TABLE IF NOT EXISTS rose_auth_challenges (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        challenge TEXT NOT NULL,
        user_id TEXT,
        creates_account BOOLEAN NOT NULL,
        rp_id TEXT NOT NULL,
        origins JSONB NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS rose_auth_login_failures (
        email_key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        locked_until BIGINT,
        updated_at BIGINT NOT NULL
      );
    `);
    return new PgAccountStore(pool);
  }

  async createAccount(a: AccountRecord): Promise<"created" | "email_taken" | "id_taken"> {
    try {
      await this.pool.query("INSERT INTO rose_accounts (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)", [
        a.id,
        a.email,
        a.passwordHash,
        a.createdAt,
      ]);
      return "created";
    } catch (error) {
      const constraint = violatedConstraint(error);
      if (constraint === null) throw error;
      return constraint === "rose_accounts_email_key" ? "email_taken" : "id_taken";
    }
  }

  async findById(id: string): Promise<AccountRecord | null> {
    const { rows } = await this.pool.query<AccountRow>("SELECT * FROM rose_accounts WHERE id = $1", [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findByEmail(email: string): Promise<AccountRecord | null> {
    const { rows } = await this.pool.query<AccountRow>("SELECT * FROM rose_accounts WHERE email = $1", [email]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async isAccount(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM rose_accounts WHERE id = $1", [id]);
    return (rowCount ?? 0) > 0;
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.pool.query("UPDATE rose_accounts SET password_hash = $1 WHERE id = $2", [hash, id]);
  }

  async setEmail(id: string, email: string): Promise<boolean> {
    try {
      await this.pool.query("UPDATE rose_accounts SET email = $1 WHERE id = $2", [email, id]);
      return true;
    } catch (error) {
      if (violatedConstraint(error) !== null) return false;
      throw error;
    }
  }

  async failures(key: string): Promise<FailureState> {
    const { rows } = await this.pool.query<{ failures: number; locked_until: string | null }>("SELECT * FROM rose_auth_login_failures WHERE email_key = $1", [
      key,
    ]);
    return { failures: rows[0]?.failures ?? 0, lockedUntil: maybeNumber(rows[0]?.locked_until ?? null) };
  }

  async recordFailure(key: string, now: number, max: number, lockMs: number): Promise<FailureState> {
    // Counters nobody has touched for a day are stale: dropping them keeps the table small.
    await this.pool.query("DELETE FROM rose_auth_login_failures WHERE updated_at < $1", [now - 86_400_000]);
    // One statement, so concurrent failures on the same email each count.
    const { rows } = await this.pool.query<{ failures: number; locked_until: string | null }>(
      `INSERT INTO rose_auth_login_failures AS f (email_key, failures, locked_until, updated_at)
       VALUES ($1, CASE WHEN 1 >= $3 THEN 0 ELSE 1 END, CASE WHEN 1 >= $3 THEN $2::bigint + $4::bigint END, $2)
       ON CONFLICT (email_key) DO UPDATE SET
         failures = CASE WHEN f.failures + 1 >= $3 THEN 0 ELSE f.failures + 1 END,
         locked_until = CASE WHEN f.failures + 1 >= $3 THEN $2::bigint + $4::bigint ELSE NULL END,
         updated_at = $2
       RETURNING failures, locked_until`,
      [key, now, max, lockMs],
    );
    return { failures: rows[0]!.failures, lockedUntil: maybeNumber(rows[0]!.locked_until) };
  }

  async clearFailures(key: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_auth_login_failures WHERE email_key = $1", [key]);
  }

  async createSession(userId: string, now: number, method: string): Promise<string> {
    const id = newId();
    await this.pool.query("INSERT INTO rose_auth_sessions (id, user_id, method, created_at, last_used_at) VALUES ($1, $2, $3, $4, $4)", [
      id,
      userId,
      method,
      now,
    ]);
    return id;
  }

  async sessionActive(sessionId: string, userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM rose_auth_sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL", [sessionId, userId]);
    return (rowCount ?? 0) > 0;
  }

  async touchSession(sessionId: string, now: number): Promise<void> {
    await this.pool.query("UPDATE rose_auth_sessions SET last_used_at = $1 WHERE id = $2", [now, sessionId]);
  }

  async revokeSession(sessionId: string, now: number): Promise<void> {
    await this.pool.query("UPDATE rose_auth_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [now, sessionId]);
  }

  async revokeAllSessions(userId: string, now: number, except?: string): Promise<void> {
    await this.pool.query("UPDATE rose_auth_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND id <> $3", [now, userId, except ?? ""]);
  }

  async addRefreshToken(hash: string, sessionId: string, userId: string, now: number, expiresAt: number): Promise<void> {
    await this.pool.query("INSERT INTO rose_auth_refresh_tokens (token_hash, session_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)", [
      hash,
      sessionId,
      userId,
      now,
      expiresAt,
    ]);
  }

  async useRefreshToken(hash: string, now: number): Promise<RefreshUse> {
    const used = await this.pool.query<{ session_id: string; user_id: string }>(
      "UPDATE rose_auth_refresh_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING session_id, user_id",
      [now, hash],
    );
    const row = used.rows[0];
    if (row) return { status: "ok", sessionId: row.session_id, userId: row.user_id };
    const { rows } = await this.pool.query<{ session_id: string; used_at: string | null }>(
      "SELECT session_id, used_at FROM rose_auth_refresh_tokens WHERE token_hash = $1",
      [hash],
    );
    return rows[0] && rows[0].used_at !== null ? { status: "reused", sessionId: rows[0].session_id } : { status: "unknown" };
  }

  async addPasskey(p: PasskeyRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO rose_account_passkeys (id, user_id, public_key, counter, transports, name, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      [p.id, p.userId, Buffer.from(p.publicKey), p.counter, JSON.stringify(p.transports), p.name, p.createdAt, p.lastUsedAt],
    );
  }

  async listPasskeys(userId: string): Promise<PasskeyRecord[]> {
    const { rows } = await this.pool.query<PasskeyRow>("SELECT * FROM rose_account_passkeys WHERE user_id = $1 ORDER BY created_at", [userId]);
    return rows.map(toPasskey);
  }

  async findPasskey(id: string): Promise<PasskeyRecord | null> {
    const { rows } = await this.pool.query<PasskeyRow>("SELECT * FROM rose_account_passkeys WHERE id = $1", [id]);
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  async passkeyUsed(id: string, counter: number, now: number): Promise<void> {
    await this.pool.query("UPDATE rose_account_passkeys SET counter = $1, last_used_at = $2 WHERE id = $3", [counter, now, id]);
  }

  async deletePasskey(id: string, userId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM rose_account_passkeys WHERE id = $1 AND user_id = $2", [id, userId]);
    return (rowCount ?? 0) > 0;
  }

  async saveChallenge(c: ChallengeRecord): Promise<void> {
    await this.pool.query("DELETE FROM rose_auth_challenges WHERE expires_at < $1", [Date.now()]);
    await this.pool.query(
      "INSERT INTO rose_auth_challenges (id, purpose, challenge, user_id, creates_account, rp_id, origins, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      [c.id, c.purpose, c.challenge, c.userId, c.createsAccount, c.rpId, JSON.stringify(c.origins), c.expiresAt],
    );
  }

  async takeChallenge(id: string, now: number): Promise<ChallengeRecord | null> {
    const { rows } = await this.pool.query<ChallengeRow>("DELETE FROM rose_auth_challenges WHERE id = $1 RETURNING *", [id]);
    const row = rows[0];
    if (!row || Number(row.expires_at) <= now) return null;
    return {
      id: row.id,
      purpose: row.purpose,
      challenge: row.challenge,
      userId: row.user_id,
      createsAccount: row.creates_account,
      rpId: row.rp_id,
      origins: row.origins,
      expiresAt: Number(row.expires_at),
    };
  }

  async exportUser(userId: string): Promise<unknown> {
    const { rows } = await this.pool.query<{ created_at: string; last_used_at: string; method: string; revoked_at: string | null }>(
      "SELECT created_at, last_used_at, method, revoked_at FROM rose_auth_sessions WHERE user_id = $1 ORDER BY created_at",
      [userId],
    );
    const sessions = rows.map((s) => ({
      createdAt: Number(s.created_at),
      lastUsedAt: Number(s.last_used_at),
      method: s.method,
      revokedAt: maybeNumber(s.revoked_at),
    }));
    return accountExport(await this.findById(userId), await this.listPasskeys(userId), sessions);
  }

  async eraseUser(userId: string): Promise<void> {
    const account = await this.findById(userId);
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      if (account?.email) await client.query("DELETE FROM rose_auth_login_failures WHERE email_key = $1", [failureKey(account.email)]);
      await client.query("DELETE FROM rose_auth_refresh_tokens WHERE user_id = $1", [userId]);
      await client.query("DELETE FROM rose_auth_sessions WHERE user_id = $1", [userId]);
      await client.query("DELETE FROM rose_account_passkeys WHERE user_id = $1", [userId]);
      await client.query("DELETE FROM rose_auth_challenges WHERE user_id = $1", [userId]);
      await client.query("DELETE FROM rose_accounts WHERE id = $1", [userId]);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  }
}
