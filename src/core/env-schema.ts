import { z } from "zod";

/** Building blocks for environment schemas: the core configuration's and each provider's own. */

export const booleanish = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "use true or false" })
  .transform((v) => v === "true" || v === "1" || v === "yes");

export const positiveInt = (min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

export const url = z.url({ error: "must be a full URL such as http://127.0.0.1:8000" });

/** Unset and blank are the same: no value. */
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));
