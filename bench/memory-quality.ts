/**
 * Memory quality: evidence recall@5/@10 on generated long conversations (bench/data/conversations.ts), each
 * person's turns imported as their memories with the turn's own time, as a client of the memory API would.
 * Rose's search (hybrid, with the relevance floor, as `GET /memories?query=` runs it) is printed beside its
 * keyword and vector retrievers alone and beside a plain BM25 computed here over the same memories; then
 * search latency at 100k memories over 1,000 people.
 */
import { join } from "node:path";
import { tempDataDir } from "../tests/helpers/rose-server.js";
import { newId } from "../src/core/ids.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { extractEntities } from "../src/modules/memory/entities/extract-entities.js";
import type { Embedder } from "../src/modules/memory/embeddings/types.js";
import { LongTermMemory, type SearchOptions } from "../src/modules/memory/long-term-memory.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import { resolveOccurredAt } from "../src/modules/memory/time/occurred-at.js";
import { type Conversation, generateConversations, type QuestionKind } from "./data/conversations.js";
import { percentile, round } from "./stats.js";

const KINDS: QuestionKind[] = ["single-hop", "multi-hop", "temporal", "open-domain"];
const userId = (i: number) => `00000000-0000-4000-9000-${String(i).padStart(12, "0")}`;

/**
 * Plain Okapi BM25 (k1 1.5, b 0.75, lower-cased words, no stemming, no stop words: the usual baseline),
 * over one person's memories.
 */
class PlainBm25 {
  private readonly docs: Array<{ id: string; tf: Map<string, number>; length: number }> = [];
  private readonly df = new Map<string, number>();
  private totalLength = 0;
  static tokens = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

  add(id: string, text: string): void {
    const tf = new Map<string, number>();
    const tokens = PlainBm25.tokens(text);
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    this.docs.push({ id, tf, length: tokens.length });
    this.totalLength += tokens.length;
  }

  search(query: string, limit: number): string[] {
    const n = this.docs.length;
    const avgdl = this.totalLength / n;
    const terms = [...new Set(PlainBm25.tokens(query))];
    return this.docs
      .map((doc) => {
        let score = 0;
        for (const t of terms) {
          const f = doc.tf.get(t);
          if (!f) continue;
          const df = this.df.get(t)!;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * f * 2.5) / (f + 1.5 * (0.25 + (0.75 * doc.length) / avgdl));
        }
        return { id: doc.id, score };
      })
      .filter((d) => d.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, limit)
      .map((d) => d.id);
  }
}

type Searcher = (person: number, question: string, limit: number) => Promise<string[]>;

/** Share of each question's evidence found in the top k, averaged per kind, per tag and overall (in %). */
async function recall(conversations: Conversation[], ids: string[][], search: Searcher) {
  const sums = new Map<string, { at5: number; at10: number; n: number }>();
  const add = (key: string, at5: number, at10: number) => {
    const s = sums.get(key) ?? { at5: 0, at10: 0, n: 0 };
    sums.set(key, { at5: s.at5 + at5, at10: s.at10 + at10, n: s.n + 1 });
  };
  for (const [p, conversation] of conversations.entries()) {
    for (const q of conversation.questions) {
      const found = await search(p, q.question, 10);
      const evidence = q.evidence.map((turn) => ids[p]![turn]!);
      const share = (k: number) => evidence.filter((id) => found.slice(0, k).includes(id)).length / evidence.length;
      add(q.kind, share(5), share(10));
      add("all", share(5), share(10));
      if (q.tag) add(q.tag, share(5), share(10));
    }
  }
  const cell = (key: string) => {
    const s = sums.get(key)!;
    return `${round((100 * s.at5) / s.n, 1)} / ${round((100 * s.at10) / s.n, 1)}`;
  };
  const tags = [...new Set(conversations.flatMap((c) => c.questions.flatMap((q) => (q.tag ? [q.tag] : []))))];
  return {
    kinds: Object.fromEntries(["all", ...KINDS].map((k) => [k, cell(k)])) as Record<string, string>,
    tags: Object.fromEntries(tags.map((t) => [t, cell(t)])) as Record<string, string>,
  };
}

export async function quality(dir: string, embedder: Embedder = new LexicalHashEmbedder()) {
  const conversations = generateConversations(12, 20);
  const memory = new LongTermMemory(new SqliteVecMemoryStore(join(dir, "quality.db")), embedder);
  const ids: string[][] = [];
  const baselines: PlainBm25[] = [];
  let evidenceRefused = 0;
  for (const [p, conversation] of conversations.entries()) {
    const outcomes = await memory.rememberAll(
      userId(p),
      // As a client importing a transcript would: each turn with its time and its conversation (session).
      conversation.turns.map((t) => ({ text: t.text, type: "event" as const, importance: 0.5, createdAt: t.at, sourceSessionId: `session-${t.session}` })),
    );
    ids.push(outcomes.map((o) => o.memory.id));
    for (const q of conversation.questions) evidenceRefused += q.evidence.filter((turn) => outcomes[turn]!.status === "duplicate").length;
    const bm25 = new PlainBm25();
    // Only what was stored: a turn refused as a duplicate is found (or not) through the memory it duplicates.
    for (const o of outcomes) if (o.status === "added") bm25.add(o.memory.id, o.memory.text);
    baselines.push(bm25);
  }
  const rose =
    (options: SearchOptions): Searcher =>
    async (p, q, limit) =>
      (await memory.search(userId(p), q, { ...options, limit })).map((h) => h.memory.id);
  const runs = {
    "plain BM25": await recall(conversations, ids, async (p, q, limit) => baselines[p]!.search(q, limit)),
    "Rose keyword only": await recall(conversations, ids, rose({ mode: "keyword", includeWeak: true, followEntities: false })),
    "Rose vector only": await recall(conversations, ids, rose({ mode: "vector", includeWeak: true })),
    "Rose search (hybrid)": await recall(conversations, ids, rose({})),
    // The same without the relevance floor: equal figures mean the floor drops no evidence.
    "hybrid, no relevance floor": await recall(conversations, ids, rose({ includeWeak: true })),
    // The same without following relations through entities: the difference is what the entity links add.
    "hybrid, no entity links": await recall(conversations, ids, rose({ followEntities: false })),
  };
  const table = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, r.kinds]));
  const byTag = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, r.tags]));
  const turns = conversations.reduce((n, c) => n + c.turns.length, 0);
  const questions = conversations.flatMap((c) => c.questions);
  const perKind = Object.fromEntries(KINDS.map((k) => [k, questions.filter((q) => q.kind === k).length]));
  const perTag = Object.fromEntries(
    [...new Set(questions.flatMap((q) => (q.tag ? [q.tag] : [])))].map((t) => [t, questions.filter((q) => q.tag === t).length]),
  );
  await memory.close();
  return {
    people: conversations.length,
    turns,
    questions: questions.length,
    per_kind: perKind,
    per_tag: perTag,
    min_turns_per_conversation: Math.min(...conversations.map((c) => c.turns.length)),
    evidence_turns_refused_as_duplicates: evidenceRefused,
    embedder: embedder.id,
    recall_at_5_and_10_percent: table,
    recall_at_5_and_10_percent_by_tag: byTag,
  };
}

/** Latency at 100k memories over 1,000 people: generated conversations, written straight to the store in batches. */
async function latency(dir: string) {
  const embedder = new LexicalHashEmbedder();
  const store = new SqliteVecMemoryStore(join(dir, "latency.db"));
  const conversations = generateConversations(1_000, 6, 7);
  let total = 0;
  for (const [p, conversation] of conversations.entries()) {
    const turns = conversation.turns.slice(0, 100);
    const vectors = await embedder.embed(turns.map((t) => t.text));
    await store.insertMany(
      turns.map((t, i) => ({
        // With what a write through LongTermMemory would add (when it happened, its entities), so links are there to follow.
        memory: {
          id: newId(),
          userId: userId(p),
          text: t.text,
          type: "event" as const,
          importance: 0.5,
          createdAt: t.at,
          updatedAt: t.at,
          occurredAt: resolveOccurredAt(t.text, new Date(t.at)) ?? t.at,
          entities: extractEntities(t.text),
        },
        vector: vectors[i]!,
      })),
      embedder.id,
    );
    total += turns.length;
  }
  const memory = new LongTermMemory(store, embedder);
  const questions = conversations.slice(0, 300).flatMap((c, p) => c.questions.slice(0, 2).map((q) => ({ p, q: q.question })));
  // Warm-up: one pass over the same searches, so the timed pass measures search, not the first reads of a cold file.
  for (const { p, q } of questions) await memory.search(userId(p), q, { limit: 10 });
  // Interleaved, so the machine's load falls on both alike: Rose's search, and the same without following entities.
  const timings: number[] = [];
  const withoutEntities: number[] = [];
  for (const { p, q } of questions) {
    let started = performance.now();
    await memory.search(userId(p), q, { limit: 10 });
    timings.push(performance.now() - started);
    started = performance.now();
    await memory.search(userId(p), q, { limit: 10, followEntities: false });
    withoutEntities.push(performance.now() - started);
  }
  await memory.close();
  return {
    memories: total,
    people: conversations.length,
    searches: timings.length,
    search_p50_ms: round(percentile(timings, 50), 2),
    search_p95_ms: round(percentile(timings, 95), 2),
    without_entity_links_p50_ms: round(percentile(withoutEntities, 50), 2),
    without_entity_links_p95_ms: round(percentile(withoutEntities, 95), 2),
  };
}

export async function memoryQualityBenchmark() {
  const dir = tempDataDir("rose-memory-quality-");
  try {
    const result = await quality(dir.path);
    console.table(result.recall_at_5_and_10_percent);
    console.table(result.recall_at_5_and_10_percent_by_tag);
    return { ...result, latency: process.env.BENCH_SKIP_LATENCY ? "skipped" : await latency(dir.path) };
  } finally {
    dir.remove();
  }
}
