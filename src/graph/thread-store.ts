import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type Database from "better-sqlite3";

/**
 * Where threads are checkpointed, plus the housekeeping LangGraph's savers do not do themselves:
 * every turn writes fresh checkpoints of the whole state, so old ones are pruned to keep a thread's
 * storage (and the cost of reading it) flat however long the conversation runs.
 */
export interface ThreadStore {
  saver: BaseCheckpointSaver;
  /** Drops every checkpoint of the thread but the newest. */
  prune(threadId: string): Promise<void>;
  deleteThread(threadId: string): Promise<void>;
  /** Bytes the thread's checkpoints and pending writes occupy. */
  storedBytes(threadId: string): Promise<number>;
  close(): Promise<void>;
}

export class SqliteThreadStore implements ThreadStore {
  readonly saver: SqliteSaver;
  private readonly pruneStatements: Database.Statement[];

  constructor(private readonly db: Database.Database) {
    this.saver = new SqliteSaver(db);
    // The saver creates its tables lazily; prepared statements below need them now.
    (this.saver as unknown as { setup(): void }).setup();
    // Checkpoint ids are time-ordered UUIDv6 strings, so "older" is a plain string comparison.
    const newest = "(SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = @thread AND checkpoint_ns = '')";
    this.pruneStatements = [
      db.prepare(`DELETE FROM writes WHERE thread_id = @thread AND checkpoint_id < ${newest}`),
      db.prepare(`DELETE FROM checkpoints WHERE thread_id = @thread AND checkpoint_id < ${newest}`),
    ];
  }

  async prune(threadId: string): Promise<void> {
    this.db.transaction(() => {
      for (const statement of this.pruneStatements) statement.run({ thread: threadId });
    })();
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  async storedBytes(threadId: string): Promise<number> {
    const row = this.db
      .prepare<[{ thread: string }], { bytes: number }>(
        `SELECT COALESCE((SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) FROM checkpoints WHERE thread_id = @thread), 0)
              + COALESCE((SELECT SUM(LENGTH(value)) FROM writes WHERE thread_id = @thread), 0) AS bytes`,
      )
      .get({ thread: threadId });
    return row?.bytes ?? 0;
  }

  async close(): Promise<void> {
    // The database connection belongs to whoever opened it.
  }
}
