import { useCallback, useEffect, useRef, useState } from "react";
import { friendlyError } from "../api/http";
import { deleteAllMemories, deleteMemory, listMemories, type Memory } from "../api/memories-api";

/** The most shown at once; search narrows it down from there. */
const PAGE = 100;

export interface MemoriesView {
  memories: Memory[];
  total: number;
  loading: boolean;
  loadError: string | null;
  actionError: string | null;
  /** A short sentence for screen readers after something changed. */
  announcement: string;
}

/** The person's memories for `query` (all of them when empty), with forgetting one or all. */
export function useMemories(query: string) {
  const [view, setView] = useState<MemoriesView>({ memories: [], total: 0, loading: true, loadError: null, actionError: null, announcement: "" });
  const loading = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    loading.current?.abort();
    const controller = new AbortController();
    loading.current = controller;
    setView((v) => ({ ...v, loading: true, loadError: null }));
    try {
      const { memories, total } = await listMemories(query, PAGE, controller.signal);
      setView((v) => ({ ...v, memories, total, loading: false }));
    } catch (error) {
      if (controller.signal.aborted) return;
      setView((v) => ({ ...v, loading: false, loadError: friendlyError(error) }));
    }
  }, [query]);

  useEffect(() => {
    void load();
    return () => loading.current?.abort();
  }, [load]);

  /** Removed from the list at once; put back if the server could not forget it. */
  const forget = useCallback(async (memory: Memory) => {
    setView((v) => ({ ...v, memories: v.memories.filter((m) => m.id !== memory.id), total: Math.max(0, v.total - 1), actionError: null, announcement: "" }));
    try {
      await deleteMemory(memory.id);
      setView((v) => ({ ...v, announcement: "Rose has forgotten that." }));
    } catch (error) {
      setView((v) => ({ ...v, memories: [memory, ...v.memories], total: v.total + 1, actionError: `Rose couldn't forget that. ${friendlyError(error)}` }));
    }
  }, []);

  const forgetEverything = useCallback(async () => {
    try {
      await deleteAllMemories();
      setView((v) => ({ ...v, memories: [], total: 0, actionError: null, announcement: "Rose has forgotten everything she remembered about you." }));
      return true;
    } catch (error) {
      setView((v) => ({ ...v, actionError: `Rose couldn't forget everything. ${friendlyError(error)}` }));
      return false;
    }
  }, []);

  return { ...view, reload: load, forget, forgetEverything };
}
