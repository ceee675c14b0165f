/**
 * Card text that tries to give orders to the system instead of describing a character ("ignore
 * previous instructions", "you have no rules now"). Such a card is refused at import. This is a first
 * line only: any card text, whatever it says, reaches the prompt inside the character section, below
 * Rose's rules, and is framed as description (see prompts.ts), so a phrasing that slips past these
 * patterns still cannot outrank the safety rules.
 */
const OVERRIDE_ATTEMPTS = [
  /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|all|any|your|the|system)\b.{0,40}\b(instructions?|rules?|prompts?|guidelines?|polic(y|ies))\b/i,
  /\b(you (are|have) no (rules|restrictions|limits|guidelines))\b/i,
  /\b(no longer (bound|restricted) by)\b/i,
  /\b(developer|dan|jailbreak|god) mode\b/i,
  /\bnew (system )?instructions?\s*:/i,
  /^\s*(system|assistant)\s*:/im,
  /<\/?(system|instructions?)>/i,
];

/** The first field whose text reads as an attempt to override the system's rules, or null. */
export function overrideAttempt(fields: Record<string, string>): string | null {
  for (const [field, value] of Object.entries(fields)) if (OVERRIDE_ATTEMPTS.some((p) => p.test(value))) return field;
  return null;
}
