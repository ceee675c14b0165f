import type { HistoryMessage } from "../api/chat-api";

/**
 * The chat page's conversation as the person sees it: settled messages, Rose's reply while it streams,
 * and a message that could not be answered (with the reason, so it can be retried).
 */

export interface ChatEntry {
  key: string;
  role: "user" | "assistant";
  text: string;
  /** `streaming`: Rose is still writing; `failed`: this message got no answer (see `error`). */
  state: "settled" | "streaming" | "failed";
  error?: string;
}

export interface ChatState {
  entries: ChatEntry[];
  /** Reading the saved conversation after a reload. */
  loading: boolean;
  /** The saved conversation could not be read; the page still works for new messages. */
  loadError: string | null;
}

export type ChatAction =
  | { type: "history-loading" }
  | { type: "history-loaded"; messages: HistoryMessage[] }
  | { type: "history-failed"; error: string }
  | { type: "sent"; key: string; text: string }
  | { type: "token"; key: string; text: string }
  | { type: "replied"; key: string; reply: string }
  | { type: "failed"; key: string; error: string }
  | { type: "retrying"; key: string }
  | { type: "cleared" };

export const initialChatState: ChatState = { entries: [], loading: false, loadError: null };

/** Rose's reply to the user message `key` has the key `key:reply`. */
export const replyKey = (key: string) => `${key}:reply`;

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "history-loading":
      return { ...state, loading: true, loadError: null };
    case "history-loaded":
      return {
        loading: false,
        loadError: null,
        entries: action.messages
          .filter((m) => (m.role === "user" || m.role === "assistant") && m.content.trim())
          .map((m, i) => ({ key: m.id ?? `history-${i}`, role: m.role as "user" | "assistant", text: m.content, state: "settled" })),
      };
    case "history-failed":
      return { ...state, loading: false, loadError: action.error };
    case "sent":
      return {
        ...state,
        entries: [
          ...state.entries,
          { key: action.key, role: "user", text: action.text, state: "settled" },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    case "token":
      return mapEntry(state, replyKey(action.key), (e) => ({ ...e, text: e.text + action.text }));
    case "replied":
      return mapEntry(state, replyKey(action.key), (e) => ({ ...e, text: action.reply, state: "settled" }));
    case "failed":
      return {
        ...state,
        entries: state.entries
          .filter((e) => e.key !== replyKey(action.key))
          .map((e) => (e.key === action.key ? { ...e, state: "failed", error: action.error } : e)),
      };
    case "retrying": {
      const failed = state.entries.find((e) => e.key === action.key);
      if (!failed) return state;
      // The retried message moves to the end, where its answer will appear.
      return {
        ...state,
        entries: [
          ...state.entries.filter((e) => e.key !== action.key),
          { key: action.key, role: "user", text: failed.text, state: "settled" },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    }
    case "cleared":
      return { ...initialChatState };
  }
}

function mapEntry(state: ChatState, key: string, change: (entry: ChatEntry) => ChatEntry): ChatState {
  return { ...state, entries: state.entries.map((e) => (e.key === key ? change(e) : e)) };
}
