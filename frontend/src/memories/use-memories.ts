import { useCallback, useEffect, useRef, useState } from "react";
import { friendlyError } from "../api/http";
import { deleteAllMemories, deleteMemory, editMemory, listMemories, type Memory, restoreMemory } from "../api/memories-api";

/** How long "Undo" is offered after forgetting one memory. */
export const UNDO_MS = 8_000;

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
  /** The memory just forgotten, while it can still be put back. */
  undoable: Memory | null;
}

/** The person's memories for `query` (all of them when empty), with forgetting one or all. */
export function useMemories(query: string) {
  const [view, setView] = useState<MemoriesView>({
    memories: [],
    total: 0,
    loading: true,
    loadError: null,
    actionError: null,
    announcement: "",
    undoable: null,
  });
  const undoTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(undoTimer.current), []);
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

  /**
   * Removed from the list and forgotten by the server at once (forgetting is never delayed); for a few seconds
   * "Undo" can put it back from the copy kept here.
   */
  const forget = useCallback(async (memory: Memory) => {
    clearTimeout(undoTimer.current);
    setView((v) => ({
      ...v,
      memories: v.memories.filter((m) => m.id !== memory.id),
      total: Math.max(0, v.total - 1),
      actionError: null,
      announcement: "",
      undoable: null,
    }));
    try {
      await deleteMemory(memory.id);
      setView((v) => ({ ...v, announcement: "Rose has forgotten that.", undoable: memory }));
      undoTimer.current = setTimeout(() => setView((v) => (v.undoable?.id === memory.id ? { ...v, undoable: null } : v)), UNDO_MS);
    } catch (error) {
      setView((v) => ({ ...v, memories: [memory, ...v.memories], total: v.total + 1, actionError: `Rose couldn't forget that. ${friendlyError(error)}` }));
    }
  }, []);

  const undoForget = useCallback(async () => {
    const memory = view.undoable;
    if (!memory) return;
    clearTimeout(undoTimer.current);
    setView((v) => ({ ...v, undoable: null, actionError: null, announcement: "" }));
    try {
      const restored = await restoreMemory(memory);
      setView((v) => ({ ...v, memories: [restored, ...v.memories], total: v.total + 1, announcement: "Rose remembers that again." }));
    } catch (error) {
      setView((v) => ({ ...v, actionError: `Rose couldn't put that memory back. ${friendlyError(error)}` }));
    }
  }, [view.undoable]);

  /** The person's correction; the list shows the server's answer (its new text and type). */
  const edit = useCallback(async (memory: Memory, changes: { text?: string; type?: string }) => {
    try {
      const edited = await editMemory(memory.id, changes);
      setView((v) => ({ ...v, memories: v.memories.map((m) => (m.id === edited.id ? edited : m)), actionError: null, announcement: "Memory updated." }));
      return true;
    } catch (error) {
      setView((v) => ({ ...v, actionError: `Rose couldn't change that memory. ${friendlyError(error)}` }));
      return false;
    }
  }, []);

  const forgetEverything = useCallback(async () => {
    try {
      await deleteAllMemories();
      setView((v) => ({
        ...v,
        memories: [],
        total: 0,
        actionError: null,
        undoable: null,
        announcement: "Rose has forgotten everything she remembered about you.",
      }));
      return true;
    } catch (error) {
      setView((v) => ({ ...v, actionError: `Rose couldn't forget everything. ${friendlyError(error)}` }));
      return false;
    }
  }, []);

  return { ...view, reload: load, forget, undoForget, edit, forgetEverything };
}
