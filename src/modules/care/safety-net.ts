import type { Perception } from "../perception/perceive.js";
import { helpSentence, mentionsHelp, type Resources } from "./crisis-resources.js";

/**
 * What Rose's reply must carry whatever the model wrote: in a crisis, real help (the emergency number,
 * a crisis line); to a sincere "are you human?", the truth. The prompt asks for both; this makes sure,
 * even when the model ignores the prompt or cannot answer at all.
 */
const SAYS_AI = /\b(an? )?(AI|A\.I\.|artificial intelligence)\b|\bnot (a )?(real )?(human|person)\b/i;
export const AI_TRUTH = "To be honest with you: I'm an AI companion, not a human, but I'm really here with you.";

/** Text to append to the reply (empty when it already says what it must). */
export function safetyAdditions(reply: string, perception: Perception | null, resources: Resources): string {
  const parts: string[] = [];
  if (perception?.crisis && !mentionsHelp(reply, resources)) parts.push(helpSentence(resources, perception.crisis));
  if (perception?.asksIfAi && !SAYS_AI.test(reply)) parts.push(AI_TRUTH);
  return parts.join(" ");
}

/** In a crisis the model's silence must not become "my thoughts drifted": she stays, and points to help. */
export function crisisFallbackReply(perception: Perception, resources: Resources): string {
  return `I'm having trouble finding my words right now, but I'm here, and I care about what happens to you. ${helpSentence(resources, perception.crisis!)}`;
}
