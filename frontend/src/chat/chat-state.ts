import { type HistoryMessage, imageUrl, type Redo } from "../api/chat-api";

/**
 * The chat page's conversation as the person sees it: settled messages, Rose's reply while it streams,
 * a message that could not be answered (with the reason, so it can be retried), a reply that failed (her
 * model was down and she apologised: retried in place) and a reply the person stopped.
 */

export interface ChatEntry {
  key: string;
  role: "user" | "assistant";
  text: string;
  /**
   * `streaming`: Rose is still writing. `failed`: for the person's message, it got no answer (see
   * `error`); for Rose's, it is her fallback apology, not a real answer. `stopped`: the person stopped it.
   */
  state: "settled" | "streaming" | "failed" | "stopped";
  error?: string;
  /** When it was written (ISO 8601); absent on messages saved before times were kept. */
  createdAt?: string;
  /**
   * On the person's message of a turn that replaces the last exchange (regenerate, edit): a Try again of it
   * must replace that exchange too, which stays in the thread until a new reply is saved.
   */
  redo?: Redo;
  /** Pictures the message carries, as image sources: the server's copies, or local previews until they arrive. */
  images?: string[];
  /** On the person's message: Rose could not see its pictures (no vision model) and answered the words. */
  imagesUnseen?: boolean;
}

/** Said when the person stopped a reply before Rose wrote a word (nothing of the turn was kept). */
export const STOPPED_BEFORE_ANSWER = "You stopped it before she answered.";

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
  | { type: "sent"; key: string; text: string; at: string; images?: string[] }
  | { type: "token"; key: string; text: string }
  | {
      type: "replied";
      key: string;
      reply: string;
      fallback?: boolean;
      stopped?: boolean;
      at?: string;
      /** Ids of the person's stored pictures and of Rose's. */
      attachedImages?: string[];
      images?: string[];
      imagesSeen?: boolean;
    }
  /** The person pressed Stop: the words so far stay, marked stopped. */
  | { type: "stopped"; key: string }
  | { type: "failed"; key: string; error: string }
  /** The stream of `key`'s reply broke; `messages` is the thread as the server keeps it (null: unknown). */
  | { type: "reconciled"; key: string; messages: HistoryMessage[] | null; error: string }
  | { type: "retrying"; key: string }
  /** A failed reply (`replyKey`) is tried again as the new exchange `key`, replacing the failed one. */
  | { type: "retrying-reply"; replyKey: string; key: string }
  /**
   * Regenerate (same words) or edit (new `text`): the conversation's last exchange is replaced by the new
   * exchange `key`, whose reply is on its way.
   */
  | { type: "replacing-last"; key: string; text: string; redo: "regenerate" | "edit"; at: string }
  | { type: "cleared" }
  /** A new conversation that Rose opened herself (the person came back): her words come first. */
  | { type: "opened"; key: string; text: string; at: string };

export const initialChatState: ChatState = { entries: [], loading: false, loadError: null };

/** Rose's reply to the user message `key` has the key `key:reply`. */
export const replyKey = (key: string) => `${key}:reply`;

const shown = (messages: HistoryMessage[]) =>
  messages.filter((m) => (m.role === "user" || m.role === "assistant") && (m.content.trim() || (m.images?.length ?? 0) > 0));

const picturesOf = (ids: string[] | undefined) => (ids && ids.length > 0 ? { images: ids.map(imageUrl) } : {});

/**
 * After the stream of a reply broke: Rose's answer to `text` if the thread the server keeps already holds
 * it, else null. The server finishes a turn (and keeps both messages, all or nothing) even when nobody is
 * listening any more, and reads the thread only after the turns queued on it. So the turn landed if the
 * thread ends with this message and an answer, unless that is just the exchange the page already showed
 * before it (`before`): the same words sent twice in a row ("hi" again) must not count as answered.
 */
export function answerInHistory(messages: HistoryMessage[], text: string, before: ChatEntry[]): string | null {
  const kept = shown(messages);
  const [asked, answer] = kept.slice(-2);
  if (asked?.role !== "user" || answer?.role !== "assistant" || asked.content.trim() !== text.trim()) return null;
  const [lastAsked, lastAnswer] = before.filter((e) => e.state === "settled").slice(-2);
  const alreadyShown =
    lastAsked?.role === "user" &&
    lastAnswer?.role === "assistant" &&
    lastAsked.text.trim() === asked.content.trim() &&
    lastAnswer.text.trim() === answer.content.trim();
  return alreadyShown ? null : answer.content;
}

export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "history-loading":
      return { ...state, loading: true, loadError: null };
    case "history-loaded":
      return {
        loading: false,
        loadError: null,
        entries: shown(action.messages).map((m, i) => ({
          key: m.id ?? `history-${i}`,
          role: m.role as "user" | "assistant",
          text: m.content,
          ...(m.created_at ? { createdAt: m.created_at } : {}),
          ...picturesOf(m.images),
          state: m.role === "assistant" && m.failed ? "failed" : m.role === "assistant" && m.stopped ? "stopped" : "settled",
        })),
      };
    case "history-failed":
      return { ...state, loading: false, loadError: action.error };
    case "sent":
      return {
        ...state,
        entries: [
          ...state.entries,
          {
            key: action.key,
            role: "user",
            text: action.text,
            state: "settled",
            createdAt: action.at,
            ...(action.images?.length ? { images: action.images } : {}),
          },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    case "replacing-last": {
      const [asked, answer] = state.entries.slice(-2);
      if (asked?.role !== "user" || answer?.role !== "assistant" || answer.state === "streaming") return state;
      // Regenerate asks the same message again: it keeps its time. An edit is a new message.
      const at = action.redo === "regenerate" ? (asked.createdAt ?? action.at) : action.at;
      return {
        ...state,
        entries: [
          ...state.entries.slice(0, -2),
          // Regenerate asks about the same pictures again; an edit sends only its new words.
          {
            key: action.key,
            role: "user",
            text: action.text,
            state: "settled",
            createdAt: at,
            redo: action.redo,
            ...(action.redo === "regenerate" && asked.images ? { images: asked.images } : {}),
          },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    }
    case "token":
      return mapEntry(state, replyKey(action.key), (e) => ({ ...e, text: e.text + action.text }));
    case "replied": {
      // The person's pictures are the server's copies from now on (the same pictures, cleaned), so they survive a reload unchanged.
      const asked = mapEntry(settle(state, action.key), action.key, (e) => ({
        ...e,
        ...(action.attachedImages?.length ? picturesOf(action.attachedImages) : {}),
        ...(action.imagesSeen === false ? { imagesUnseen: true } : {}),
      }));
      return mapEntry(asked, replyKey(action.key), (e) => ({
        ...e,
        text: action.reply,
        ...(action.at ? { createdAt: action.at } : {}),
        ...picturesOf(action.images),
        state: action.fallback ? "failed" : action.stopped ? "stopped" : "settled",
      }));
    }
    case "stopped": {
      const reply = state.entries.find((e) => e.key === replyKey(action.key));
      if (reply?.state !== "streaming") return state;
      if (!reply.text.trim()) return failed(state, action.key, STOPPED_BEFORE_ANSWER);
      return mapEntry(settle(state, action.key), reply.key, (e) => ({ ...e, state: "stopped" }));
    }
    case "failed":
      return failed(state, action.key, action.error);
    case "reconciled": {
      const at = state.entries.findIndex((e) => e.key === action.key);
      const text = state.entries[at]?.text;
      const answer = action.messages && text !== undefined ? answerInHistory(action.messages, text, state.entries.slice(0, at)) : null;
      if (answer === null) return failed(state, action.key, action.error);
      return mapEntry(settle(state, action.key), replyKey(action.key), (e) => ({ ...e, text: answer, state: "settled" }));
    }
    case "retrying": {
      const failed = state.entries.find((e) => e.key === action.key);
      if (!failed) return state;
      const { error: _reason, ...retried } = failed;
      // The retried message moves to the end, where its answer will appear.
      return {
        ...state,
        entries: [
          ...state.entries.filter((e) => e.key !== action.key),
          { ...retried, state: "settled" },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    }
    case "retrying-reply": {
      const at = state.entries.findIndex((e) => e.key === action.replyKey);
      const asked = state.entries[at - 1];
      if (at < 1 || asked?.role !== "user") return state;
      // The failed exchange is the conversation's last (the server replaces only that one): it is replaced in place.
      return {
        ...state,
        entries: [
          ...state.entries.filter((_, i) => i !== at && i !== at - 1),
          {
            key: action.key,
            role: "user",
            text: asked.text,
            state: "settled",
            ...(asked.createdAt ? { createdAt: asked.createdAt } : {}),
            ...(asked.images ? { images: asked.images } : {}),
          },
          { key: replyKey(action.key), role: "assistant", text: "", state: "streaming" },
        ],
      };
    }
    case "cleared":
      return { ...initialChatState };
    case "opened":
      return { ...initialChatState, entries: [{ key: action.key, role: "assistant", text: action.text, state: "settled", createdAt: action.at }] };
  }
}

/** `key` got no answer: its half-written reply goes, and the message offers a retry. */
function failed(state: ChatState, key: string, error: string): ChatState {
  return {
    ...state,
    entries: state.entries.filter((e) => e.key !== replyKey(key)).map((e) => (e.key === key ? { ...e, state: "failed", error } : e)),
  };
}

/** `key`'s exchange is in the thread now: it replaced what it was to replace. */
function settle(state: ChatState, key: string): ChatState {
  return mapEntry(state, key, ({ redo: _done, ...e }) => e);
}

function mapEntry(state: ChatState, key: string, change: (entry: ChatEntry) => ChatEntry): ChatState {
  return { ...state, entries: state.entries.map((e) => (e.key === key ? change(e) : e)) };
}
