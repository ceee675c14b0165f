import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import type { ThreadStore } from "./thread-store.js";

/**
 * Checkpoints in PostgreSQL, for several instances serving the same conversations. The saver keeps
 * channel values as versioned blobs; pruning keeps the newest checkpoint and only the blob versions it
 * still points at.
 */
export class PgThreadStore implements ThreadStore {
  readonly saver: PostgresSaver;

  private constructor(private readonly pool: pg.Pool) {
    this.saver = new PostgresSaver(pool);
  }

  static async open(pool: pg.Pool): Promise<PgThreadStore> {
    const store = new PgThreadStore(pool);
    await store.saver.setup();
    return store;
  }

  async prune(threadId: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const newest = await client.query<{ checkpoint_id: string }>(
        "SELECT checkpoint_id FROM checkpoints WHERE thread_id = $1 AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1",
        [threadId],
      );
      const keep = newest.rows[0]?.checkpoint_id;
      if (keep) {
        await client.query("DELETE FROM checkpoint_writes WHERE thread_id = $1 AND checkpoint_id < $2", [threadId, keep]);
        await client.query("DELETE FROM checkpoints WHERE thread_id = $1 AND checkpoint_id < $2", [threadId, keep]);
        await client.query(
          `DELETE FROM checkpoint_blobs b WHERE b.thread_id = $1 AND NOT EXISTS (
             SELECT 1 FROM checkpoints c
             WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
               AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)`,
          [threadId],
        );
      }
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.saver.deleteThread(threadId);
  }

  async storedBytes(threadId: string): Promise<number> {
    const { rows } = await this.pool.query<{ bytes: string }>(
      `SELECT COALESCE((SELECT SUM(pg_column_size(checkpoint) + pg_column_size(metadata)) FROM checkpoints WHERE thread_id = $1), 0)
            + COALESCE((SELECT SUM(COALESCE(octet_length(blob), 0)) FROM checkpoint_blobs WHERE thread_id = $1), 0)
            + COALESCE((SELECT SUM(octet_length(blob)) FROM checkpoint_writes WHERE thread_id = $1), 0) AS bytes`,
      [threadId],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  async close(): Promise<void> {
    // The pool belongs to whoever opened it.
  }
}
