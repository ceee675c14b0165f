import { createHash } from "node:crypto";

/** A client conversation's opening, as far as it is known. */
export interface ConversationOpening {
  userId: string;
  /** The model (character) the client talks to. */
  model: string;
  /** The client's instructions (its system messages), "" for none. */
  instructions: string;
  firstUserMessage: string;
  /** Rose's first reply as the client resends it; null before there is one. */
  firstReply: string | null;
}

/**
 * Fingerprints of a conversation's opening, most specific first. A conversation is linked under both
 * once Rose has answered its first message: with her first reply (two conversations that happen to open
 * with the same "hi" still differ there) and without it (a client that trims or edits replies still maps).
 * Hashed so the table holds no message text; the owner is inside the hash and beside it.
 */
export function openingFingerprints(opening: ConversationOpening): { withReply: string | null; withoutReply: string } {
  const digest = (reply: string | null) =>
    createHash("sha256")
      .update(JSON.stringify([opening.userId, opening.model, opening.instructions.trim(), opening.firstUserMessage.trim(), reply?.trim() ?? null]))
      .digest("hex");
  return { withReply: opening.firstReply === null ? null : digest(opening.firstReply), withoutReply: digest(null) };
}

export const fingerprintsWithReply = (opening: Omit<ConversationOpening, "firstReply">, reply: string) => {
  const { withReply, withoutReply } = openingFingerprints({ ...opening, firstReply: reply });
  return [withReply!, withoutReply];
};
