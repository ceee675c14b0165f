/**
 * Long-term memory benchmark on the embedded store (sqlite-vec + FTS5) with the local fallback embedder:
 * search latency at 1k / 10k / 100k memories over 100 users, ingestion throughput through the full
 * write path (dedupe + embed + insert), and recall@5 on a labelled set for vectors, keywords and hybrid.
 */
import { join } from "node:path";
import { tempDataDir } from "../tests/helpers/rose-server.js";
import { newId } from "../src/core/ids.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import type { Embedder } from "../src/modules/memory/embeddings/types.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import { distractors, RECALL_SET } from "./data/recall-set.js";
import { mean, percentile, round } from "./stats.js";

const USERS = 100;
const userId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

async function populate(store: SqliteVecMemoryStore, embedder: Embedder, total: number): Promise<void> {
  const texts = distractors(total, 7);
  const batch = 500;
  const now = new Date().toISOString();
  for (let offset = 0; offset < total; offset += batch) {
    const slice = texts.slice(offset, offset + batch);
    const vectors = await embedder.embed(slice);
    for (const [i, text] of slice.entries()) {
      await store.insert(
        { id: newId(), userId: userId((offset + i) % USERS), text, type: "fact", importance: 0.5, createdAt: now, updatedAt: now },
        vectors[i]!,
        embedder.id,
      );
    }
  }
}

async function searchLatency(size: number, dir: string) {
  const embedder = new LexicalHashEmbedder();
  const store = new SqliteVecMemoryStore(join(dir, `search-${size}.db`));
  await populate(store, embedder, size);
  const memory = new LongTermMemory(store, embedder);
  const queries = RECALL_SET.map((r) => r.question);
  for (const q of queries.slice(0, 5)) await memory.search(userId(1), q); // warm-up
  const timings: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await memory.search(userId(i % USERS), queries[i % queries.length]!, { limit: 5 });
    timings.push(performance.now() - started);
  }
  await memory.close();
  return {
    memories: size,
    per_user: size / USERS,
    search_p50_ms: round(percentile(timings, 50), 3),
    search_p95_ms: round(percentile(timings, 95), 3),
    search_mean_ms: round(mean(timings), 3),
  };
}

async function ingestion(dir: string) {
  const memory = new LongTermMemory(new SqliteVecMemoryStore(join(dir, "ingest.db")), new LexicalHashEmbedder());
  const texts = distractors(2000, 11);
  const started = performance.now();
  for (const [i, text] of texts.entries()) await memory.remember(userId(i % USERS), { text, type: "fact", importance: 0.5 });
  const seconds = (performance.now() - started) / 1000;
  await memory.close();
  return { memories: texts.length, per_second: round(texts.length / seconds, 1) };
}

async function recall(dir: string) {
  const memory = new LongTermMemory(new SqliteVecMemoryStore(join(dir, "recall.db")), new LexicalHashEmbedder());
  const owner = userId(0);
  for (const text of distractors(300, 3)) await memory.remember(owner, { text, type: "event", importance: 0.3 });
  const ids = new Map<string, string>();
  for (const { fact } of RECALL_SET) ids.set(fact, (await memory.remember(owner, { text: fact, type: "fact", importance: 0.6 })).memory.id);
  const result: Record<string, number> = {};
  for (const mode of ["vector", "keyword", "hybrid"] as const) {
    let hits = 0;
    for (const { fact, question } of RECALL_SET) {
      const found = await memory.search(owner, question, { limit: 5, mode, includeWeak: true });
      if (found.some((h) => h.memory.id === ids.get(fact))) hits++;
    }
    result[`recall_at_5_${mode}`] = round(hits / RECALL_SET.length, 3);
  }
  await memory.close();
  return { questions: RECALL_SET.length, distractors: 300, embedder: new LexicalHashEmbedder().id, ...result };
}

export async function memoryBenchmark(sizes = [1_000, 10_000, 100_000]) {
  const dir = tempDataDir("rose-memory-bench-");
  try {
    const search = [];
    for (const size of sizes) search.push(await searchLatency(size, dir.path));
    return {
      embedder: "lexical-hash-v1:384 (the offline fallback; the MiniLM model cannot be downloaded here)",
      search,
      ingestion: await ingestion(dir.path),
      recall: await recall(dir.path),
    };
  } finally {
    dir.remove();
  }
}
