import { useCallback, useEffect, useRef, useState } from "react";
import { type Conversation, deleteConversation, listConversations, renameConversation } from "../api/conversations-api";
import { friendlyError } from "../api/http";

/** After a reply, Rose names a new conversation in the background: the list looks again a little later. */
const TITLE_CHECKS_MS = [1500, 4000];

/**
 * The person's conversations, newest first: loaded on mount, reloaded when `version` changes (a reply
 * arrived, a conversation started), and renamed or deleted in place.
 */
export function useConversations(version: number) {
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const latest = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    latest.current?.abort();
    const controller = new AbortController();
    latest.current = controller;
    try {
      const page = await listConversations(null, controller.signal);
      if (controller.signal.aborted) return;
      setConversations(page.sessions);
      setNextCursor(page.next_cursor);
      setError(null);
    } catch (failure) {
      if (controller.signal.aborted) return;
      setError(friendlyError(failure));
    } finally {
      if (latest.current === controller) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    if (version === 0) return;
    const timers = TITLE_CHECKS_MS.map((ms) => setTimeout(() => void reload(), ms));
    return () => timers.forEach(clearTimeout);
  }, [version, reload]);

  useEffect(() => () => latest.current?.abort(), []);

  const loadMore = useCallback(async () => {
    if (!nextCursor) return;
    try {
      const page = await listConversations(nextCursor);
      setConversations((shown) => [...shown, ...page.sessions.filter((c) => !shown.some((s) => s.id === c.id))]);
      setNextCursor(page.next_cursor);
    } catch (failure) {
      setError(friendlyError(failure));
    }
  }, [nextCursor]);

  /** True when renamed; the list shows the new title at once. */
  const rename = useCallback(async (id: string, title: string): Promise<string | null> => {
    try {
      const renamed = await renameConversation(id, title);
      setConversations((shown) => shown.map((c) => (c.id === id ? { ...c, title: renamed.title } : c)));
      setAnnouncement(`Renamed to ${renamed.title ?? title}`);
      return null;
    } catch (failure) {
      return friendlyError(failure);
    }
  }, []);

  /** Null when deleted, else why not. */
  const remove = useCallback(async (id: string): Promise<string | null> => {
    try {
      await deleteConversation(id);
      setConversations((shown) => shown.filter((c) => c.id !== id));
      setAnnouncement("Conversation deleted");
      return null;
    } catch (failure) {
      return friendlyError(failure);
    }
  }, []);

  return { conversations, nextCursor, loading, error, announcement, reload, loadMore, rename, remove };
}
