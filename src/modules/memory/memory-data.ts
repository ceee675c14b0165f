import type { PersonalDataHolder } from "../../core/personal-data.js";
import type { Memory, MemoryService } from "./types.js";

const PAGE = 200;

/** A memory as the person's export shows it (the memory API's fields). */
const exported = (m: Memory) => ({
  id: m.id,
  text: m.text,
  type: m.type,
  importance: m.importance,
  created_at: m.createdAt,
  updated_at: m.updatedAt,
  source_session_id: m.sourceSessionId ?? null,
  metadata: m.metadata ?? {},
});

async function* pages(memory: MemoryService, userId: string): AsyncGenerator<ReturnType<typeof exported>> {
  for (let offset = 0; ; offset += PAGE) {
    const batch = await memory.list(userId, { limit: PAGE, offset });
    for (const m of batch) yield exported(m);
    if (batch.length < PAGE) return;
  }
}

/** The person's long-term memories (SQLite or Qdrant, whichever holds them), a page at a time. */
export function memoryData(memory: MemoryService): PersonalDataHolder {
  return {
    name: "memories",
    exportUser: async (userId) => pages(memory, userId),
    eraseUser: async (userId) => void (await memory.deleteAll(userId)),
  };
}
