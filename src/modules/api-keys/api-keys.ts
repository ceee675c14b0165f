import { conflict } from "../../core/errors.js";
import { displayPrefix, hashSecret, looksLikeSecret, newSecret } from "./secret.js";
import type { ApiKey, ApiKeyStore } from "./types.js";

/** Enough for every program a person runs; a bound so a stolen session cannot mint keys without end. */
export const MAX_KEYS_PER_PERSON = 20;
/** last_used_at is a hint for the person ("used a minute ago"), not an audit log: one write a minute is plenty. */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface CreatedApiKey {
  key: ApiKey;
  /** Shown once, in the response that created it; only its hash is kept. */
  secret: string;
}

/** API keys for programs: created and revoked by the person, checked on every call of the OpenAI-compatible API. */
export class ApiKeys {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(userId: string, name: string): Promise<CreatedApiKey> {
    const secret = newSecret();
    const key = await this.store.create({ userId, name, prefix: displayPrefix(secret), secretHash: hashSecret(secret) }, MAX_KEYS_PER_PERSON);
    if (!key) throw conflict(`You already have ${MAX_KEYS_PER_PERSON} API keys: revoke one you no longer use first`);
    return { key, secret };
  }

  list(userId: string): Promise<ApiKey[]> {
    return this.store.list(userId);
  }

  revoke(userId: string, id: string): Promise<boolean> {
    return this.store.revoke(userId, id);
  }

  /** The key a secret belongs to, or null (unknown, revoked, or not shaped like a key). Records the use. */
  async authenticate(secret: string): Promise<ApiKey | null> {
    if (!looksLikeSecret(secret)) return null;
    const key = await this.store.findByHash(hashSecret(secret));
    if (!key) return null;
    const now = this.now();
    if (!key.lastUsedAt || now.getTime() - Date.parse(key.lastUsedAt) >= LAST_USED_GRANULARITY_MS) {
      await this.store.markUsed(key.id, now, new Date(now.getTime() - LAST_USED_GRANULARITY_MS));
    }
    return key;
  }

  exportUser(userId: string): Promise<unknown> {
    return this.store.exportUser(userId);
  }

  eraseUser(userId: string): Promise<void> {
    return this.store.eraseUser(userId);
  }
}
