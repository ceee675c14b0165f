import type { z } from "zod";
import { badRequest } from "../../core/errors.js";

/** Parses request input with a zod schema; failures become a 400 that names the offending field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".");
  throw badRequest(field ? `${field}: ${issue.message}` : issue.message, {
    fields: result.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
  });
}

/** Control characters (C0 with NUL, DEL, C1) other than tab, line feed and carriage return. */
const CONTROL_CHARACTERS = /(?![\t\n\r])\p{Cc}/u;

/** With the u flag a proper surrogate pair is one code point, so only a lone half is a "surrogate". */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text a person could have written: no control characters (PostgreSQL's text refuses NUL) and no lone
 * surrogate halves (not Unicode; PostgreSQL's jsonb refuses them), so it stores and reads back anywhere.
 */
export const isPlainText = (text: string) => !LONE_SURROGATE.test(text) && !CONTROL_CHARACTERS.test(text);
export const PLAIN_TEXT_ERROR = "must be plain text (no control characters or broken Unicode)";
