import { z } from "zod";
import { isUuid } from "../../../core/ids.js";
import { MAX_TITLE_CHARS } from "../../../modules/sessions/titles.js";
import type { Session, SessionCursor } from "../../../modules/sessions/types.js";
import { isPlainText, PLAIN_TEXT_ERROR } from "../validation.js";

export const MAX_LIST_LIMIT = 100;
const DEFAULT_LIST_LIMIT = 30;
/** A cursor is ours (base64url of a time and an id): anything much longer is not. */
const MAX_CURSOR_CHARS = 200;

export function sessionJson(session: Session) {
  return {
    id: session.id,
    title: session.title,
    preview: session.preview,
    message_count: session.messageCount,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

/** Opaque to clients: where the next page starts, newest-first. */
export const encodeCursor = (session: Session) => Buffer.from(JSON.stringify([session.updatedAt, session.id])).toString("base64url");

const BAD_CURSOR = "must be the next_cursor of an earlier page of GET /api/v1/sessions";

function decodeCursor(raw: string): SessionCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [updatedAt, id] = value as unknown[];
    if (typeof updatedAt !== "string" || !isUuid(id) || !z.iso.datetime().safeParse(updatedAt).success) return null;
    return { updatedAt, id };
  } catch {
    return null;
  }
}

export const listQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "must be a number" })
    .int({ error: `must be a whole number between 1 and ${MAX_LIST_LIMIT}` })
    .min(1, { error: `must be between 1 and ${MAX_LIST_LIMIT}` })
    .max(MAX_LIST_LIMIT, { error: `must be between 1 and ${MAX_LIST_LIMIT}` })
    .default(DEFAULT_LIST_LIMIT),
  before: z
    .string({ error: BAD_CURSOR })
    .max(MAX_CURSOR_CHARS, { error: BAD_CURSOR })
    .transform((raw, ctx) => {
      const cursor = decodeCursor(raw);
      if (!cursor) ctx.addIssue({ code: "custom", message: BAD_CURSOR });
      return cursor ?? z.NEVER;
    })
    .optional(),
});

/** A title is one line of plain text: no controls at all (not even tab or newline), not blank, bounded. */
export const renameSchema = z.strictObject(
  {
    title: z
      .string({ error: "is required and must be text" })
      .refine(isPlainText, { error: PLAIN_TEXT_ERROR })
      .refine((t) => !/\p{Cc}/u.test(t), { error: "must be a single line without tabs or control characters" })
      .transform((t) => t.trim().replace(/\s+/g, " "))
      .refine((t) => t.length > 0, { error: "must not be empty" })
      .refine((t) => t.length <= MAX_TITLE_CHARS, { error: `must be at most ${MAX_TITLE_CHARS} characters` }),
  },
  { error: "only title can be changed" },
);
