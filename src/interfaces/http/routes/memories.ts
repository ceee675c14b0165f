import express, { type Request, Router } from "express";
import { z } from "zod";
import { badRequest, notFound } from "../../../core/errors.js";
import type { LongTermMemory } from "../../../modules/memory/long-term-memory.js";
import { MEMORY_TYPES, type Memory, type NewMemory } from "../../../modules/memory/types.js";
import type { HttpDeps } from "../context.js";
import { assertJsonShape } from "../json-limits.js";
import { JSON_LINES_TYPES, jsonBody, jsonOrJsonLinesBody } from "../middleware/body-type.js";
import { isPlainText, PLAIN_TEXT_ERROR, parseInput } from "../validation.js";

export const MAX_MEMORY_CHARS = 1000;
const MAX_IMPORT = 1000;
const FUTURE_SLACK_MS = 86_400_000;
/** Metadata is the client's own notes on a memory; it is stored and sent back, never shown to the model. */
const MAX_METADATA_CHARS = 8000;

export const memoryInputSchema = z.object({
  text: z
    .string({ error: "is required and must be text" })
    .refine((t) => t.trim().length > 0, { error: "must not be empty" })
    .refine((t) => t.length <= MAX_MEMORY_CHARS, { error: `must be at most ${MAX_MEMORY_CHARS} characters` })
    .refine(isPlainText, { error: PLAIN_TEXT_ERROR })
    // A memory says something: text of only punctuation or spaces normalises to nothing, and nothing would
    // then count as a duplicate of every later memory.
    .refine((t) => /[\p{L}\p{N}]/u.test(t), { error: "must contain a letter or a number" }),
  type: z.enum(MEMORY_TYPES, { error: `must be one of ${MEMORY_TYPES.join(", ")}` }).default("fact"),
  importance: z.number().min(0).max(1).default(0.5),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => JSON.stringify(m).length <= MAX_METADATA_CHARS, { error: `must be at most ${MAX_METADATA_CHARS} characters as JSON` })
    .optional(),
  // A memory's own time drives recency and questions about periods; a time in the future would outrank
  // everything (a day of slack absorbs clients' clock and time-zone errors).
  created_at: z.iso
    .datetime({ error: "must be an ISO 8601 date-time", offset: true })
    .refine((t) => Date.parse(t) <= Date.now() + FUTURE_SLACK_MS, { error: "must not be in the future" })
    .optional(),
  source_session_id: z.string().max(100).refine(isPlainText, { error: PLAIN_TEXT_ERROR }).optional(),
  // When what it says happened, if the client knows; otherwise read from the dates in the text against created_at.
  occurred_at: z.iso
    .datetime({ error: "must be an ISO 8601 date-time", offset: true })
    .refine((t) => Date.parse(t) <= Date.now() + FUTURE_SLACK_MS, { error: "must not be in the future" })
    .optional(),
  // A fact that changed: the memory it replaces, kept as history (an id that is not the person's is ignored).
  supersedes: z.uuid({ error: "must be a memory id (a UUID)" }).optional(),
});

export const listQuerySchema = z.object({
  query: z.string().max(MAX_MEMORY_CHARS).refine(isPlainText, { error: PLAIN_TEXT_ERROR }).optional(),
  limit: z.coerce
    .number({ error: "must be a number" })
    .int()
    .min(1, { error: "must be between 1 and 100" })
    .max(100, { error: "must be between 1 and 100" })
    .default(50),
  offset: z.coerce.number({ error: "must be a number" }).int().min(0).max(1_000_000).default(0),
  // With a query: each of the first hits comes with the memories told just before and after it (its episode).
  episodes: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
});

export const memoryIdSchema = z.object({ id: z.uuid({ error: "must be a memory id (a UUID)" }) });

export function memoryJson(memory: Memory) {
  return {
    id: memory.id,
    text: memory.text,
    type: memory.type,
    importance: memory.importance,
    created_at: memory.createdAt,
    updated_at: memory.updatedAt,
    source_session_id: memory.sourceSessionId ?? null,
    metadata: memory.metadata ?? {},
    occurred_at: memory.occurredAt ?? memory.updatedAt,
    entities: (memory.entities ?? []).map((e) => ({ name: e.name, kind: e.kind, relation: e.relation ?? null, of: e.of ?? null })),
    supersedes: memory.supersedes ?? null,
    superseded_by: memory.supersededBy ?? null,
    superseded_at: memory.supersededAt ?? null,
  };
}

/** The person's correction of one memory (PATCH /memories/:id). */
export const editSchema = z
  .object({
    text: memoryInputSchema.shape.text.optional(),
    type: z.enum(MEMORY_TYPES, { error: `must be one of ${MEMORY_TYPES.join(", ")}` }).optional(),
    importance: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((e) => e.text !== undefined || e.type !== undefined || e.importance !== undefined, { error: "must change text, type or importance" });

function toNewMemory(input: z.infer<typeof memoryInputSchema>): NewMemory {
  return {
    text: input.text.trim(),
    type: input.type,
    importance: input.importance,
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(input.created_at ? { createdAt: new Date(input.created_at).toISOString() } : {}),
    ...(input.source_session_id ? { sourceSessionId: input.source_session_id } : {}),
    ...(input.occurred_at ? { occurredAt: new Date(input.occurred_at).toISOString() } : {}),
    ...(input.supersedes ? { supersedes: input.supersedes } : {}),
  };
}

/** JSON Lines import: every line is validated before anything is stored, so a bad file imports nothing. */
function parseJsonLines(body: string): NewMemory[] {
  const lines = body
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter((l) => l.line);
  if (lines.length === 0) throw badRequest("The import is empty");
  if (lines.length > MAX_IMPORT) throw badRequest(`An import holds at most ${MAX_IMPORT} memories`);
  return lines.map(({ line, number }) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw badRequest(`Line ${number} is not valid JSON`, { line: number });
    }
    assertJsonShape(value, `Line ${number}`, { line: number });
    try {
      return toNewMemory(parseInput(memoryInputSchema, value));
    } catch (error) {
      throw badRequest(`Line ${number}: ${(error as Error).message}`, { line: number });
    }
  });
}

export const importSchema = z.object({
  memories: z
    .array(memoryInputSchema)
    .min(1, { error: "must hold at least one memory" })
    .max(MAX_IMPORT, { error: `holds at most ${MAX_IMPORT} memories` }),
});

/** One memory `{text, …}`, a batch `{memories: […]}`, or JSON Lines (one memory per line). */
function importBody(req: Request): NewMemory[] {
  if (typeof req.body === "string") return parseJsonLines(req.body);
  if (req.body && typeof req.body === "object" && "memories" in req.body) return parseInput(importSchema, req.body).memories.map(toNewMemory);
  return [toNewMemory(parseInput(memoryInputSchema, req.body))];
}

async function exportLines(memory: LongTermMemory, userId: string, write: (line: string) => void): Promise<void> {
  const page = 200;
  for (let offset = 0; ; offset += page) {
    const batch = await memory.list(userId, { limit: page, offset });
    for (const m of batch) write(`${JSON.stringify(memoryJson(m))}\n`);
    if (batch.length < page) return;
  }
}

/** Imports (a JSON array or JSON Lines) carry many memories: a larger body than other requests. */
export const MEMORY_IMPORT_LIMIT = "2mb";

/** The person's own memories: search, list, add, import, export, delete one, forget everything. */
export function memoryRoutes({ memory, memoryOutbox }: HttpDeps): Router {
  const router = Router();

  router.get("/memories", async (req, res) => {
    const { query, limit, offset, episodes } = parseInput(listQuerySchema, req.query);
    if (query?.trim()) {
      const hits = await memory.search(req.userId, query, { limit });
      const around = episodes === "true" ? await memory.episodeContext(req.userId, hits) : null;
      res.json({
        memories: hits.map((h) => ({
          ...memoryJson(h.memory),
          score: h.score,
          ...(around ? { episode: (around.get(h.memory.id) ?? []).map(memoryJson) } : {}),
        })),
        total: hits.length,
      });
      return;
    }
    const [memories, total] = await Promise.all([memory.list(req.userId, { limit, offset }), memory.count(req.userId)]);
    res.json({ memories: memories.map(memoryJson), total, limit, offset });
  });

  router.get("/memories/export", async (req, res) => {
    res.setHeader("Content-Type", "application/x-ndjson; charset=utf-8");
    res.setHeader("Content-Disposition", 'attachment; filename="rose-memories.jsonl"');
    await exportLines(memory, req.userId, (line) => res.write(line));
    res.end();
  });

  // JSON Lines only under its own media types: a cross-site form can post text/plain, so text/plain imports nothing.
  router.post("/memories", jsonOrJsonLinesBody, express.text({ type: JSON_LINES_TYPES, limit: MEMORY_IMPORT_LIMIT }), async (req, res) => {
    // One request is all or nothing: a failure mid-way stores none of it.
    const results = await memory.rememberAll(req.userId, importBody(req));
    const added = results.filter((r) => r.status !== "duplicate").length;
    res.status(added > 0 ? 201 : 200).json({
      imported: added,
      duplicates: results.length - added,
      memories: results.map((r) => ({ status: r.status, ...memoryJson(r.memory) })),
    });
  });

  router.delete("/memories/:id", jsonBody, async (req, res) => {
    const { id } = parseInput(memoryIdSchema, req.params);
    if (!(await memory.delete(req.userId, id))) throw notFound("Memory");
    res.status(204).end();
  });

  // The person's own correction: text, type or importance.
  router.patch("/memories/:id", jsonBody, async (req, res) => {
    const { id } = parseInput(memoryIdSchema, req.params);
    const changes = parseInput(editSchema, req.body);
    const edited = await memory.edit(req.userId, id, changes);
    if (!edited) throw notFound("Memory");
    res.json(memoryJson(edited));
  });

  // A fact's history: what it replaced (oldest first) and what replaced it.
  router.get("/memories/:id/history", async (req, res) => {
    const { id } = parseInput(memoryIdSchema, req.params);
    const history = await memory.history(req.userId, id);
    if (!history) throw notFound("Memory");
    res.json({ memory: memoryJson(history.memory), earlier: history.earlier.map(memoryJson), later: history.later.map(memoryJson) });
  });

  router.get("/memories/:id", async (req, res) => {
    const { id } = parseInput(memoryIdSchema, req.params);
    const found = await memory.get(req.userId, id);
    if (!found) throw notFound("Memory");
    res.json(memoryJson(found));
  });

  router.delete("/memories", jsonBody, async (req, res) => {
    // Queued writes first, or one could store a fact again right after everything was deleted.
    await memoryOutbox?.forgetUser(req.userId);
    const deleted = await memory.deleteAll(req.userId);
    res.json({ deleted });
  });

  return router;
}
