import { setMaxListeners } from "node:events";
import type { Logger } from "../../core/logger.js";
import { type ConversationNamer, firstWordsTitle } from "./titles.js";
import { previewOf, type SessionStore } from "./types.js";

/** What the index needs to know of a saved turn (the turn runner's SavedTurn has it). */
export interface SavedExchange {
  sessionId: string;
  message: string;
  reply: string;
  replaced: boolean;
  at: Date;
}

/**
 * Keeps the conversation list cheap: each saved turn updates its session row (preview, message count,
 * updated time), so listing never reads a checkpoint; after a conversation's first exchange it is named
 * in the background, by the small model or, failing that, by the person's first words. Naming never
 * delays or fails the turn: it runs after the reply, and its failures are logged and ignored.
 */
export class ConversationIndex {
  private readonly naming = new Set<Promise<void>>();
  /** Fires on shutdown: titles still being asked for are given up (the first words stand in). */
  private readonly stopping = new AbortController();

  constructor(
    private readonly sessions: SessionStore,
    private readonly namer: ConversationNamer | null,
    private readonly logger: Logger,
  ) {
    // Every title being asked for listens to this one signal until its answer comes: twenty conversations
    // begun at once are twenty listeners, not a leak (each is removed when its call ends).
    setMaxListeners(0, this.stopping.signal);
  }

  async recordTurn(turn: SavedExchange): Promise<void> {
    const added = turn.replaced ? 0 : 2;
    const session = await this.sessions.recordTurn(turn.sessionId, { preview: previewOf(turn.reply || turn.message), addedMessages: added, at: turn.at });
    // The first exchange names the conversation (or its regenerate, if the first naming has not landed); 3 when
    // Rose opened it herself (her opener, then the exchange). A second exchange makes 4 or more either way.
    if (session && session.title === null && session.messageCount <= 3) this.nameInBackground(turn);
  }

  private nameInBackground(turn: SavedExchange): void {
    const work = this.name(turn).finally(() => this.naming.delete(work));
    this.naming.add(work);
  }

  private async name(turn: SavedExchange): Promise<void> {
    let title: string | null = null;
    if (this.namer) {
      try {
        title = await this.namer(turn.message, turn.reply, this.stopping.signal);
        if (!title) this.logger.warn("the small model gave no usable conversation title; using the first words", { session_id: turn.sessionId });
      } catch (error) {
        this.logger.warn("naming the conversation failed; using the first words", { session_id: turn.sessionId, error: (error as Error).message });
      }
    }
    try {
      // Only if still untitled: the person may have renamed it while the model was thinking.
      await this.sessions.setTitle(turn.sessionId, title ?? firstWordsTitle(turn.message), { onlyIfUntitled: true });
    } catch (error) {
      this.logger.warn("storing the conversation title failed", { session_id: turn.sessionId, error: (error as Error).message });
    }
  }

  /** Resolves once every title being found has been stored. */
  async drain(): Promise<void> {
    while (this.naming.size > 0) await Promise.allSettled([...this.naming]);
  }

  /** Shutdown: gives up on titles still being asked for (a slow model must not hold the process) and waits for the rest. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.drain();
  }
}
