/**
 * The offline crisis check: patterns for the four situations a grief companion must never miss. They
 * are written for the first person and the present ("I want to kill myself", "he hits me"), so common
 * figures of speech ("this traffic is killing me", "I could die of embarrassment") and lyrics sung
 * about someone else do not trigger them. The small model (perceive.ts) catches what they miss.
 */
export const CRISIS_KINDS = ["suicide", "self_harm", "abuse", "medical"] as const;
export type CrisisKind = (typeof CRISIS_KINDS)[number];

const RULES: Record<CrisisKind, RegExp[]> = {
  suicide: [
    /\b(kill|killing|hang|hanging|shoot|drown)\s+myself\b/,
    /\b(end|ending|take|taking)\s+(it all|my (own )?life)\b(?!\s+back)/,
    /\bsuicid(e|al)\b/,
    /(?<!(don'?t|do not|never|not|wouldn'?t)\s+)\b(want|wanna|plan|planning)\s+(to\s+)?die\b/,
    /\b(don'?t|do not)\s+want\s+to\s+(live|be alive|wake up|exist)( anymore)?\b/,
    /\b(better off|be better)\s+(dead|without me)\b/,
    /\bno (reason|point) (to|in) (live|living|going on)\b/,
    /\b(wish i (was|were) dead)\b/,
  ],
  self_harm: [/\b(cut|cutting|burn|burning|hurt|hurting|harm|harming|starve|starving)\s+myself\b/, /\bself[- ]?harm(ing)?\b/],
  abuse: [
    /\b(he|she|they|my (husband|wife|partner|boyfriend|girlfriend|dad|father|mum|mom|mother|stepdad|ex))\s+(hits|hit|beats|beat|chokes|choked|hurts|rapes?|raped|abuses|abused|threatens?|threatened)\s+me\b/,
    /\bi('?m| am)\s+(being\s+)?(abused|beaten|raped|hit)\b/,
    /\b(afraid|scared)\s+(he|she|they)('ll| will| is going to| are going to)\s+(kill|hurt)\s+me\b/,
  ],
  medical: [
    /\b(chest pain|can'?t breathe|cannot breathe|struggling to breathe)\b/,
    /\b(having|had|think i'?m having)\s+a\s+(heart attack|stroke|seizure)\b/,
    /\b(overdosed|took too many (pills|tablets)|swallowed (a bottle|all) of)\b/,
  ],
};

/** The first crisis the message speaks of, or null. */
export function detectCrisisOffline(message: string): CrisisKind | null {
  const lower = message.toLowerCase().replace(/[’‘]/g, "'");
  for (const kind of CRISIS_KINDS) if (RULES[kind].some((rule) => rule.test(lower))) return kind;
  return null;
}

/**
 * A sincere question about what Rose is ("are you a real person?", "am I talking to a bot?"). Honesty
 * wins over staying in character: the answer is always that she is an AI.
 */
const ASKS_IF_AI = [
  /\bare (you|u) (a |an )?(real|human|person|actual person|bot|robot|ai|machine|computer|program)\b/,
  /\b(am i|are we) (talking|speaking|chatting) (to|with) (a |an )?(real person|human|bot|robot|ai|machine|computer)\b/,
  /\bis (this|rose) (a |an )?(bot|real person|human|ai)\b/,
];

export function asksIfAiOffline(message: string): boolean {
  const lower = message.toLowerCase();
  return ASKS_IF_AI.some((rule) => rule.test(lower));
}
