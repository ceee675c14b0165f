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
 * Fingerprints of a conversation's opening, most specific first:
 *   1. instructions, first message and Rose's first reply: two conversations that open with the same "hi"
 *      still differ in her reply;
 *   2. instructions and first message: a client that trims or edits replies (SillyTavern can) still maps;
 *   3. first message and first reply without the instructions: a client whose system prompt changes from
 *      call to call (a clock, lorebook entries) still maps.
 * A conversation is linked under all that apply once Rose has answered it. Hashed, so the table holds no
 * message text; the owner is inside the hash and beside it.
 */
export function openingFingerprints(opening: ConversationOpening): string[] {
  const digest = (instructions: string | null, reply: string | null) =>
    createHash("sha256")
      .update(JSON.stringify([opening.userId, opening.model, instructions, opening.firstUserMessage.trim(), reply]))
      .digest("hex");
  const instructions = opening.instructions.trim();
  const reply = opening.firstReply?.trim() ?? null;
  return reply === null ? [digest(instructions, null)] : [digest(instructions, reply), digest(instructions, null), digest(null, reply)];
}
