/** An API key as the person sees it: never its secret, nor the secret's hash. */
export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  /** The secret's first characters (`rose_sk_Ab12`): enough to tell keys apart in a list, useless to an attacker. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  /** SHA-256 of the secret (hex): the secret itself is never stored. */
  secretHash: string;
}

/** Where API keys live (SQLite or PostgreSQL). Revoked keys are deleted: a revoked secret finds nothing. */
export interface ApiKeyStore {
  /** Inserts the key unless the person already holds `limit` keys (checked in the same statement); null when at the limit. */
  create(key: NewApiKey, limit: number): Promise<ApiKey | null>;
  list(userId: string): Promise<ApiKey[]>;
  findByHash(secretHash: string): Promise<ApiKey | null>;
  /** False when the person has no key with this id (someone else's id included). */
  revoke(userId: string, id: string): Promise<boolean>;
  /** Sets last_used_at unless it is already newer than `unlessAfter`: one write a minute per key at most. */
  markUsed(id: string, at: Date, unlessAfter: Date): Promise<void>;
  exportUser(userId: string): Promise<unknown>;
  eraseUser(userId: string): Promise<void>;
}
