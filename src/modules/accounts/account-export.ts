import { createHash } from "node:crypto";
import type { AccountRecord, PasskeyRecord } from "./types.js";

/** The key failed sign-ins are counted under: the email's hash, so the counter table holds no addresses. */
export const failureKey = (email: string) => createHash("sha256").update(`rose-login:${email}`).digest("base64url");

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface SessionSummary {
  createdAt: number;
  lastUsedAt: number;
  method: string;
  revokedAt: number | null;
}

/** What a person's archive says about their account: what they can recognise, never a secret or a hash. */
export function accountExport(account: AccountRecord | null, passkeys: PasskeyRecord[], sessions: SessionSummary[]): unknown {
  if (!account) return null;
  return {
    id: account.id,
    email: account.email,
    created_at: iso(account.createdAt),
    has_password: account.passwordHash !== null,
    passkeys: passkeys.map((p) => ({ name: p.name, created_at: iso(p.createdAt), last_used_at: iso(p.lastUsedAt) })),
    sign_in_sessions: sessions.map((s) => ({ method: s.method, created_at: iso(s.createdAt), last_used_at: iso(s.lastUsedAt), revoked_at: iso(s.revokedAt) })),
  };
}
