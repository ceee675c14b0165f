import { requestJson } from "./http";

/** A conversation as the list shows it (GET /api/v1/sessions). */
export interface Conversation {
  id: string;
  /** Null until Rose names it after the first exchange (or the person does). */
  title: string | null;
  preview: string | null;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface ConversationPage {
  sessions: Conversation[];
  /** Where the next page starts; null on the last page. */
  next_cursor: string | null;
}

export const MAX_TITLE_CHARS = 80;

export function listConversations(before?: string | null, signal?: AbortSignal): Promise<ConversationPage> {
  const query = before ? `?before=${encodeURIComponent(before)}` : "";
  return requestJson<ConversationPage>("GET", `/sessions${query}`, undefined, signal);
}

export function renameConversation(id: string, title: string): Promise<Conversation> {
  return requestJson<Conversation>("PATCH", `/sessions/${encodeURIComponent(id)}`, { title });
}

export function deleteConversation(id: string): Promise<void> {
  return requestJson<void>("DELETE", `/sessions/${encodeURIComponent(id)}`);
}

/** What the list calls a conversation: its title, else the start of its last message, else that it is new. */
export function conversationLabel(c: Conversation): string {
  if (c.title) return c.title;
  if (c.preview) return c.preview.length > 48 ? `${c.preview.slice(0, 47).trimEnd()}…` : c.preview;
  return "Empty conversation";
}
