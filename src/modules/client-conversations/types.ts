/**
 * Which Rose thread a client's conversation maps to. An OpenAI-style client resends the whole history
 * with every call and names no conversation: its opening messages, hashed (see fingerprint.ts), name it.
 */
export interface ConversationLinkStore {
  /** The session linked to the first of these fingerprints that has a link (in order), else null. */
  find(userId: string, fingerprints: string[]): Promise<string | null>;
  /** Links every fingerprint to the session (replacing older links of the same fingerprints). */
  link(userId: string, fingerprints: string[], sessionId: string): Promise<void>;
  exportUser(userId: string): Promise<unknown>;
  eraseUser(userId: string): Promise<void>;
}
