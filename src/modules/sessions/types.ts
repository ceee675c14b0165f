export interface Session {
  id: string;
  userId: string;
  createdAt: string;
  lastActiveAt: string;
}

/** Which user each conversation thread belongs to; the thread itself lives in the checkpointer. */
export interface SessionStore {
  create(userId: string): Promise<Session>;
  /** The session only if it belongs to this user: someone else's id is indistinguishable from an unknown one. */
  findOwned(id: string, userId: string): Promise<Session | null>;
  touch(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  idleSince(cutoff: Date, limit: number): Promise<Session[]>;
  countActiveSince(since: Date): Promise<number>;
}
