import { z } from "zod";
import { CardError, type CharacterCard, parseCharacterCard } from "./card.js";
import { overrideAttempt } from "./card-safety.js";

/**
 * The community's Character Card V2 (`chara_card_v2`) and V3 (`chara_card_v3`) formats, as SillyTavern
 * and others export them, turned into Rose's card. The card as uploaded is kept whole (unknown fields
 * and extensions included) so it can be exported again unchanged; only what describes the character
 * reaches Rose's card. `system_prompt` and `post_history_instructions` are instructions, not
 * description: they are kept in the source and never used.
 */
const str = (max: number) => z.string({ error: "must be text" }).max(max, { error: `must be at most ${max} characters` });
const strings = (max: number, each: number) => z.array(str(each)).max(max, { error: `must hold at most ${max} entries` });

const communityData = z.looseObject({
  name: str(100).refine((n) => n.trim().length > 0, { error: "must not be empty" }),
  description: str(6000).default(""),
  personality: str(1500).default(""),
  scenario: str(8000).default(""),
  first_mes: str(8000).default(""),
  mes_example: str(8000).default(""),
  creator_notes: str(20_000).optional(),
  system_prompt: str(20_000).optional(),
  post_history_instructions: str(20_000).optional(),
  alternate_greetings: strings(50, 8000).default([]),
  tags: strings(100, 200).default([]),
  creator: str(200).optional(),
  character_version: str(100).optional(),
  extensions: z.record(z.string(), z.unknown()).default({}),
  // V3 additions (also seen on V2 cards from newer editors)
  nickname: str(100).optional(),
  group_only_greetings: strings(50, 8000).optional(),
});

const communityCard = z.looseObject({
  spec: z.enum(["chara_card_v2", "chara_card_v3"], { error: 'must be "chara_card_v2" or "chara_card_v3" (Character Card V2 or V3)' }),
  spec_version: str(20).optional(),
  data: communityData,
});

export interface ConvertedCard {
  card: CharacterCard;
  format: "chara_card_v2" | "chara_card_v3";
  source: Record<string, unknown>;
}

/** `{{char}}` / `<BOT>` become the character's name; `{{user}}` / `<USER>` stay a placeholder filled per person. */
function withName(text: string, name: string): string {
  return text.replace(/\{\{char\}\}|<bot>/gi, name).replace(/<user>/gi, "{{user}}");
}

/** Turns an uploaded V2/V3 card into Rose's card; a bad card is a CardError naming the field. */
export function convertCommunityCard(value: unknown, id: string): ConvertedCard {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new CardError("the card must be a JSON object");
  const parsed = communityCard.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CardError(`${issue.path.join(".") || "(card)"}: ${issue.message}`);
  }
  const { spec, data } = parsed.data;
  const name = data.nickname?.trim() || data.name.trim();
  const description = withName([data.description, data.personality && `Personality: ${data.personality}`].filter(Boolean).join("\n\n"), name);
  const field = overrideAttempt({
    "data.description": data.description,
    "data.personality": data.personality,
    "data.scenario": data.scenario,
    "data.first_mes": data.first_mes,
    "data.mes_example": data.mes_example,
    ...Object.fromEntries(data.alternate_greetings.map((g, i) => [`data.alternate_greetings.${i}`, g])),
  });
  if (field) throw new CardError(`${field}: reads as instructions to the system ("ignore previous instructions" and the like); a card describes a character`);
  const card = parseCharacterCard(
    {
      id,
      name,
      description: description.trim() || `${name}, a companion.`,
      backstory: withName(data.scenario, name).slice(0, 8000),
      speaking_style: [],
      example_dialogue: withName(data.mes_example, name).slice(0, 8000),
      traits: { custom: data.tags.slice(0, 30).filter((t) => t.trim()) },
      daily_rhythm: [],
      voices: {},
      greetings: [data.first_mes, ...data.alternate_greetings]
        .map((g) => withName(g, name).trim())
        .filter(Boolean)
        .slice(0, 20)
        .map((g) => g.slice(0, 2000)),
    },
    "the card",
  );
  return { card, format: spec, source: value as Record<string, unknown> };
}
