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
