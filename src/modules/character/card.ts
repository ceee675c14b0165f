import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

/**
 * A character card: who the companion is. Cards are data (JSON files in `characters/`, or imported by a
 * person from the community's Character Card V2/V3 format), so a persona can be added or swapped without
 * touching the graph. A card describes a character; it never carries rules: the safety rules are Rose's
 * own and always outrank whatever a card says (see prompts.ts).
 */

const text = (max: number) =>
  z
    .string({ error: "must be text" })
    .max(max, { error: `must be at most ${max} characters` })
    // Control characters would not survive PostgreSQL's text type and have no business in a persona.
    .refine((t) => !/(?![\t\n\r])\p{Cc}/u.test(t), { error: "must be plain text (no control characters)" });
const unit = z.number({ error: "must be a number from 0 to 1" }).min(0, { error: "must be at least 0" }).max(1, { error: "must be at most 1" });

export const BIG_FIVE = ["openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism"] as const;

export const characterCardSchema = z.strictObject({
  id: z.string({ error: "must be text" }).regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "must be 1-40 lowercase letters, digits or dashes" }),
  name: text(100).refine((n) => n.trim().length > 0, { error: "must not be empty" }),
  description: text(8000).refine((d) => d.trim().length > 0, { error: "must not be empty" }),
  backstory: text(8000).default(""),
  speaking_style: z.array(text(500)).max(20, { error: "must hold at most 20 lines" }).default([]),
  /** Example exchanges, or the free text of a community card's `mes_example`. */
  example_dialogue: z
    .union([z.array(z.strictObject({ user: text(1000), character: text(2000) })).max(20, { error: "must hold at most 20 examples" }), text(8000)])
    .default([]),
  traits: z
    .strictObject({
      big_five: z.strictObject(Object.fromEntries(BIG_FIVE.map((t) => [t, unit])) as Record<(typeof BIG_FIVE)[number], typeof unit>).optional(),
      custom: z.array(text(200)).max(30, { error: "must hold at most 30 traits" }).default([]),
    })
    .default({ custom: [] }),
  /** What the character is doing from each local hour on (0-23), in order. */
  daily_rhythm: z
    .array(z.strictObject({ from: z.number().int().min(0).max(23, { error: "must be an hour from 0 to 23" }), activity: text(300) }))
    .max(24)
    .refine((slots) => slots.every((s, i) => i === 0 || s.from > slots[i - 1]!.from), { error: "hours must be in increasing order" })
    .default([]),
  /** The voice per speech provider (`elevenlabs`, `openai`, `espeak`...): the provider's own voice id or name. */
  voices: z.record(z.string(), z.strictObject({ voice: text(100) })).default({}),
  greetings: z.array(text(2000)).max(20, { error: "must hold at most 20 greetings" }).default([]),
});

export type CharacterCard = z.infer<typeof characterCardSchema>;

/** A broken card names the file and the field, so whoever wrote it can fix it. */
export class CardError extends Error {
  override name = "CardError";
}

/** Validates a parsed card; `where` names it in the error (a file path, "the uploaded card"). */
export function parseCharacterCard(value: unknown, where: string): CharacterCard {
  const result = characterCardSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || "(card)";
  throw new CardError(`${where}: ${field}: ${issue.message}`);
}

/** The folder of built-in cards: `characters/` at the package root (the same three levels up from src/ and dist/). */
export const BUILT_IN_CARDS_DIR = fileURLToPath(new URL("../../../characters/", import.meta.url));

/** Rose, the warm healer: the default companion, read once from her card file. */
export const ROSE: CharacterCard = parseCharacterCard(JSON.parse(readFileSync(`${BUILT_IN_CARDS_DIR}rose.json`, "utf8")), "characters/rose.json");
export const DEFAULT_CHARACTER_ID = ROSE.id;
