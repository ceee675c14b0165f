import Database from "better-sqlite3";
import { cacheStatements } from "./core/statement-cache.js";
import pg from "pg";
import { type JobLock, SqliteJobLock } from "./core/jobs/job-lock.js";
import { PgJobLock } from "./core/jobs/pg-job-lock.js";
import type { Logger } from "./core/logger.js";
import { PgThreadStore } from "./graph/pg-thread-store.js";
import { SqliteThreadStore, type ThreadStore } from "./graph/thread-store.js";
import { PgAccountStore } from "./modules/accounts/pg-account-store.js";
import { SqliteAccountStore } from "./modules/accounts/sqlite-account-store.js";
import type { AccountStore } from "./modules/accounts/types.js";
import { PgMemoryOutbox } from "./modules/memory/outbox/pg-outbox.js";
import { SqliteMemoryOutbox } from "./modules/memory/outbox/sqlite-outbox.js";
import type { MemoryOutbox } from "./modules/memory/outbox/types.js";
import { PgSessionStore } from "./modules/sessions/pg-session-store.js";
import { type AudioStore, FileAudioStore } from "./modules/speech/audio-store.js";
import { PgAudioStore } from "./modules/speech/pg-audio-store.js";
import { SqliteSessionStore } from "./modules/sessions/sqlite-session-store.js";
import type { SessionStore } from "./modules/sessions/types.js";
import { PgApiKeyStore } from "./modules/api-keys/pg-api-key-store.js";
import { SqliteApiKeyStore } from "./modules/api-keys/sqlite-api-key-store.js";
import type { ApiKeyStore } from "./modules/api-keys/types.js";
import { PgConversationLinkStore } from "./modules/client-conversations/pg-link-store.js";
import { SqliteConversationLinkStore } from "./modules/client-conversations/sqlite-link-store.js";
import type { ConversationLinkStore } from "./modules/client-conversations/types.js";
import { type ImageStore, SqliteImageStore } from "./modules/images/image-store.js";
import { PgImageStore } from "./modules/images/pg-image-store.js";
import { PgCharacterStore, PgCompanionStore } from "./modules/companion/pg-companion-store.js";
import { SqliteCharacterStore, SqliteCompanionStore } from "./modules/companion/sqlite-companion-store.js";
import type { CharacterStore, CompanionStore } from "./modules/companion/types.js";

export interface Persistence {
  kind: "sqlite" | "postgres";
  threads: ThreadStore;
  sessions: SessionStore;
  lock: JobLock;
  /** Spoken replies, where every instance can serve them. */
  audio: AudioStore;
  /** Memory writes waiting to be analysed and stored, where every instance can retry them. */
  memoryOutbox: MemoryOutbox;
  /** Accounts, sign-in sessions, passkeys. */
  accounts: AccountStore;
  /** API keys for programs (hashed secrets). */
  apiKeys: ApiKeyStore;
  /** Which thread an OpenAI-style client's conversation maps to. */
  conversationLinks: ConversationLinkStore;
  /** Pictures of the conversations, the person's and Rose's, kept as long as their conversation. */
  images: ImageStore;
  /** The companion's settings and state per person and character, and the characters people imported. */
  companion: CompanionStore;
  characters: CharacterStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The service's own SQLite file: WAL so readers never wait for the writer. */
export function openSqlite(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL"); // WAL + NORMAL survives process crashes; only an OS crash can lose the last commit.
  db.pragma("busy_timeout = 5000");
  return cacheStatements(db);
}

export interface LocalStorage {
  db: Database.Database;
  /** Where spoken replies go on disk when there is no PostgreSQL. */
  audioDir: string;
  audioTtlMs: number;
}

/**
 * Where conversations live: SQLite in DATA_DIR by default (one instance), PostgreSQL when DATABASE_URL
 * is set (several instances share threads, sessions, spoken replies and job leases).
 */
export async function openPersistence(databaseUrl: string | undefined, local: LocalStorage, logger: Logger): Promise<Persistence> {
  const localDb = local.db;
  if (!databaseUrl) {
    return {
      kind: "sqlite",
      threads: new SqliteThreadStore(localDb),
      sessions: new SqliteSessionStore(localDb),
      lock: new SqliteJobLock(localDb),
      audio: new FileAudioStore(local.audioDir, local.audioTtlMs),
      memoryOutbox: new SqliteMemoryOutbox(localDb),
      accounts: new SqliteAccountStore(localDb),
      apiKeys: new SqliteApiKeyStore(localDb),
      conversationLinks: new SqliteConversationLinkStore(localDb),
      images: new SqliteImageStore(localDb),
      companion: new SqliteCompanionStore(localDb),
      characters: new SqliteCharacterStore(localDb),
      ping: async () => void localDb.prepare("SELECT 1").get(),
      close: async () => {},
    };
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  pool.on("error", (error) => logger.warn("postgres pool error", { error: error.message }));
  const [apiKeys, conversationLinks] = await Promise.all([PgApiKeyStore.open(pool), PgConversationLinkStore.open(pool)]);
  const [threads, sessions, lock, audio, memoryOutbox, images, accounts] = await Promise.all([
    PgThreadStore.open(pool),
    PgSessionStore.open(pool),
    PgJobLock.open(pool),
    PgAudioStore.open(pool, local.audioTtlMs),
    PgMemoryOutbox.open(pool),
    PgImageStore.open(pool),
    PgAccountStore.open(pool),
  ]);
  const [companion, characters] = await Promise.all([PgCompanionStore.open(pool), PgCharacterStore.open(pool)]);
  logger.info("conversations are stored in PostgreSQL");
  return {
    kind: "postgres",
    threads,
    sessions,
    lock,
    audio,
    memoryOutbox,
    accounts,
    apiKeys,
    conversationLinks,
    images,
    companion,
    characters,
    ping: async () => void (await pool.query("SELECT 1")),
    close: () => pool.end(),
  };
}
