import { useEffect, useState } from "react";
import { fetchHistory, type HistoryMessage } from "../api/chat-api";
import { currentSessionId } from "../api/session";

export interface SpokenMessage {
  role: "user" | "assistant";
  content: string;
  /** How many pictures the message carried (shared on the chat page): named in the transcript, not shown. */
  pictures?: number;
}

/**
 * The conversation as the server keeps it (voice and text share it), so the voice page shows it after
 * a reload instead of starting blank. Read again whenever `refresh` changes (a turn ended); a failure
 * to read it only means the page shows no earlier conversation.
 */
export function useVoiceHistory(refresh: unknown): { messages: SpokenMessage[]; loaded: boolean } {
  const [messages, setMessages] = useState<SpokenMessage[]>([]);
  // False only while the first read is under way: the greeting waits, rather than flash before the conversation.
  const [loaded, setLoaded] = useState(() => currentSessionId() === null);
  useEffect(() => {
    const sessionId = currentSessionId();
    if (!sessionId) return;
    const controller = new AbortController();
    fetchHistory(sessionId, controller.signal)
      .then(
        (kept) => setMessages(shown(kept ?? [])),
        () => {}, // unreachable or refused: nothing earlier to show, talking still works
      )
      .finally(() => {
        if (!controller.signal.aborted) setLoaded(true);
      });
    return () => controller.abort();
  }, [refresh]);
  return { messages, loaded };
}

// Rose's fallback apologies are not her words (see the chat page): they are left out here.
const shown = (messages: HistoryMessage[]): SpokenMessage[] =>
  messages
    .filter(
      (m): m is HistoryMessage & SpokenMessage =>
        (m.role === "user" || m.role === "assistant") && !m.failed && (m.content.trim() !== "" || (m.images?.length ?? 0) > 0),
    )
    .map(({ role, content, images }) => ({ role, content, ...(images?.length ? { pictures: images.length } : {}) }));
