/**
 * Okapi BM25 over one person's memories. The statistics (how many memories, their mean length, how many
 * hold each term) are that person's alone, so nobody else's memories move their ranking.
 */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

export interface PersonStats {
  /** The person's memories. */
  documents: number;
  /** Indexed terms over all of them (for the mean length). */
  terms: number;
}

export interface Posting<Doc> {
  doc: Doc;
  /** How often the term occurs in the memory. */
  tf: number;
  /** The memory's length in indexed terms. */
  length: number;
}

/** Lucene's idf: never negative, so a term in most of a person's memories still counts a little. */
export const idf = (documents: number, df: number) => Math.log(1 + (documents - df + 0.5) / (df + 0.5));

/**
 * Scores every memory in the postings of the query's terms (one postings list per distinct term). A term's
 * document frequency is its list's length unless `documentFrequencies` says otherwise (when the lists hold
 * only some of the memories with the term).
 */
export function bm25<Doc>(postings: ReadonlyArray<ReadonlyArray<Posting<Doc>>>, stats: PersonStats, documentFrequencies?: readonly number[]): Map<Doc, number> {
  const scores = new Map<Doc, number>();
  if (stats.documents === 0) return scores;
  const meanLength = Math.max(1, stats.terms / stats.documents);
  for (const [i, list] of postings.entries()) {
    if (list.length === 0) continue;
    const weight = idf(stats.documents, Math.max(list.length, documentFrequencies?.[i] ?? 0));
    for (const { doc, tf, length } of list) {
      const norm = tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / meanLength);
      scores.set(doc, (scores.get(doc) ?? 0) + (weight * tf * (BM25_K1 + 1)) / norm);
    }
  }
  return scores;
}
