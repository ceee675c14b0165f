import { API, requestJson } from "./http";

export interface Memory {
  id: string;
  text: string;
  type: string;
  importance: number;
  created_at: string;
  updated_at: string;
}

export async function listMemories(query: string, limit: number, signal?: AbortSignal): Promise<{ memories: Memory[]; total: number }> {
  const params = new URLSearchParams({ query: query.trim(), limit: String(limit) });
  return requestJson("GET", `/memories?${params}`, undefined, signal);
}

export async function deleteMemory(id: string): Promise<void> {
  await requestJson("DELETE", `/memories/${encodeURIComponent(id)}`);
}

export async function deleteAllMemories(): Promise<number> {
  const { deleted } = await requestJson<{ deleted: number }>("DELETE", "/memories");
  return deleted;
}

/** A JSON Lines download of everything Rose remembers (the browser handles it as a file). */
export const memoriesExportUrl = `${API}/memories/export`;
