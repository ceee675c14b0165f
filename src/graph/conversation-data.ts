import type { PersonalDataHolder } from "../core/personal-data.js";
import type { Session, SessionStore } from "../modules/sessions/types.js";
import type { TurnRunner } from "./turn-runner.js";

/** Rounds of "erase what is listed, list again" before erasure reports the conversations as remaining. */
const ERASE_ROUNDS = 3;

function conversationJson(session: Session, history: Awaited<ReturnType<TurnRunner["history"]>>) {
  return {
    id: session.id,
    title: session.title,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
    message_count: session.messageCount,
    summary: history.summary,
    messages: history.messages,
  };
}

async function* conversations(sessions: SessionStore, turns: TurnRunner, userId: string) {
  // One conversation in memory at a time: the export streams them out as it reads them.
  for (const session of await sessions.exportUser(userId)) yield conversationJson(session, await turns.history(session.id));
}

/**
 * A person's conversations: the session rows (titles, previews) and their threads (checkpoints and
 * pending writes). Erasure removes each thread before its row, so a row is never gone while its
 * checkpoints stay; a conversation started meanwhile is caught by listing again.
 */
export function conversationData(sessions: SessionStore, turns: TurnRunner): PersonalDataHolder {
  return {
    name: "conversations",
    exportUser: async (userId) => conversations(sessions, turns, userId),
    async eraseUser(userId) {
      for (let round = 0; round < ERASE_ROUNDS; round++) {
        const owned = await sessions.exportUser(userId);
        if (owned.length === 0) return;
        for (const session of owned) {
          await turns.clear(session.id);
          await sessions.delete(session.id);
        }
      }
      if ((await sessions.exportUser(userId)).length > 0) throw new Error("conversations kept appearing while they were erased");
    },
  };
}
