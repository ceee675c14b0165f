import { API, requestJson } from "./http";

/** Someone or something a memory mentions. */
export interface MemoryEntity {
  name: string;
  kind: "person" | "pet" | "place" | "name";
  relation: string | null;
  of: string | null;
}

export interface Memory {
  id: string;
  text: string;
  type: string;
  importance: number;
  created_at: string;
  updated_at: string;
  /** When what it says happened (older servers do not send it). */
  occurred_at?: string;
  source_session_id?: string | null;
  metadata?: Record<string, unknown>;
  entities?: MemoryEntity[];
  supersedes?: string | null;
  superseded_by?: string | null;
  superseded_at?: string | null;
}

export interface MemoryHistory {
  memory: Memory;
  earlier: Memory[];
  later: Memory[];
}

export async function listMemories(query: string, limit: number, signal?: AbortSignal): Promise<{ memories: Memory[]; total: number }> {
  const params = new URLSearchParams({ query: query.trim(), limit: String(limit) });
  return requestJson("GET", `/memories?${params}`, undefined, signal);
}

export async function deleteMemory(id: string): Promise<void> {
  await requestJson("DELETE", `/memories/${encodeURIComponent(id)}`);
}

export async function editMemory(id: string, changes: { text?: string; type?: string }): Promise<Memory> {
  return requestJson("PATCH", `/memories/${encodeURIComponent(id)}`, changes);
}

export async function memoryHistory(id: string, signal?: AbortSignal): Promise<MemoryHistory> {
  return requestJson("GET", `/memories/${encodeURIComponent(id)}/history`, undefined, signal);
}

/** Puts a forgotten memory back from the copy the panel kept (a new memory with the same text, type and times). */
export async function restoreMemory(memory: Memory): Promise<Memory> {
  const { memories } = await requestJson<{ memories: Memory[] }>("POST", "/memories", {
    text: memory.text,
    type: memory.type,
    importance: memory.importance,
    created_at: memory.created_at,
    ...(memory.occurred_at ? { occurred_at: memory.occurred_at } : {}),
    ...(memory.source_session_id ? { source_session_id: memory.source_session_id } : {}),
    ...(memory.metadata && Object.keys(memory.metadata).length > 0 ? { metadata: memory.metadata } : {}),
  });
  return memories[0]!;
}

export async function deleteAllMemories(): Promise<number> {
  const { deleted } = await requestJson<{ deleted: number }>("DELETE", "/memories");
  return deleted;
}

/** A JSON Lines download of everything Rose remembers (the browser handles it as a file). */
export const memoriesExportUrl = `${API}/memories/export`;
