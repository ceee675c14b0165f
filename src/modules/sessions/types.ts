export interface Session {
  id: string;
  userId: string;
  createdAt: string;
  lastActiveAt: string;
  /** The conversation's name: from the small model after the first exchange, or the person's own (null until then). */
  title: string | null;
  /** The start of the conversation's last message (null while it has none). */
  preview: string | null;
  /** Messages said in the conversation (both sides), counting those folded into its summary. */
  messageCount: number;
  /** When the conversation last changed (a message saved; its creation until then): the listing's order. */
  updatedAt: string;
}

/** Where a listing page starts: after this (updatedAt, id) in newest-first order. */
export interface SessionCursor {
  updatedAt: string;
  id: string;
}

/** What a saved turn changes on the session row, so a listing never reads the checkpoints. */
export interface TurnSummary {
  preview: string;
  /** How many messages the turn added (2 for an exchange; 0 when it replaced the last one). */
  addedMessages: number;
  at: Date;
}

/** Which user each conversation thread belongs to, and what the conversation list shows; the thread itself lives in the checkpointer. */
export interface SessionStore {
  create(userId: string): Promise<Session>;
  /** The session only if it belongs to this user: someone else's id is indistinguishable from an unknown one. */
  findOwned(id: string, userId: string): Promise<Session | null>;
  /** The user's sessions, newest `updatedAt` first (ties by id), starting after `before`. */
  listOwned(userId: string, options: { limit: number; before?: SessionCursor }): Promise<Session[]>;
  touch(id: string): Promise<void>;
  /** Records a saved turn (preview, message count, updated time); the row as it now stands, or null when it is gone. */
  recordTurn(id: string, turn: TurnSummary): Promise<Session | null>;
  /** The thread was emptied: no preview, no messages (the title stays). */
  resetMessages(id: string): Promise<void>;
  /**
   * Names the session. `onlyIfUntitled`: a title found by the service never replaces one (the person's
   * own rename may have come first). False when nothing changed.
   */
  setTitle(id: string, title: string, options?: { onlyIfUntitled?: boolean }): Promise<boolean>;
  delete(id: string): Promise<void>;
  idleSince(cutoff: Date, limit: number): Promise<Session[]>;
  countActiveSince(since: Date): Promise<number>;
  /** Every session row of the user, for their data export. */
  exportUser(userId: string): Promise<Session[]>;
  /** Deletes every session row of the user (their threads are removed by whoever owns the checkpoints, first). */
  eraseUser(userId: string): Promise<void>;
}

/** Previews are a glance, not the message. */
export const PREVIEW_CHARS = 140;

export function previewOf(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= PREVIEW_CHARS ? flat : `${flat.slice(0, PREVIEW_CHARS - 1).trimEnd()}…`;
}
