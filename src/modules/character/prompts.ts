import type { CharacterCard } from "./card.js";
import type { LocalMoment } from "./activity.js";

export interface PromptContext {
  card: CharacterCard;
  moment: LocalMoment;
  summary: string;
  memories: string[];
  /** The reply will be spoken aloud (voice turn or an explicit request for audio). */
  spoken: boolean;
}

export function systemPrompt({ card, moment, summary, memories, spoken }: PromptContext): string {
  const sections = [
    `You are ${card.name}. ${card.essence}`,
    card.background,
    `How you speak:\n${card.voice.map((line) => `- ${line}`).join("\n")}`,
    `Boundaries:\n${card.boundaries.map((line) => `- ${line}`).join("\n")}`,
    `It is ${moment.label} for the person (${moment.timezone}). Right now you are ${moment.activity}; mention it only if it fits.`,
  ];
  if (memories.length > 0) {
    sections.push(`What you remember about this person (use only what is relevant):\n${memories.map((m) => `- ${m}`).join("\n")}`);
  }
  if (summary) sections.push(`Summary of your conversation so far:\n${summary}`);
  if (spoken) sections.push("Your reply will be spoken aloud: keep it to two or three short sentences.");
  return sections.join("\n\n");
}

export const ROUTER_PROMPT = `Decide how to answer the user's latest message.
- "audio": only when the user explicitly asks you to send a voice message, speak or say something aloud.
- "image": only when the user explicitly asks you to draw, paint or show a picture.
- "conversation": everything else (the default).`;

export const MEMORY_ANALYSIS_PROMPT = `You decide whether the user's latest message contains something about the user worth remembering for future conversations: facts (name, home, work, family), preferences, feelings that matter, goals, important people or events.
Ignore greetings, small talk, questions to the assistant and anything about the assistant.
If it is worth remembering, write it as one short third-person sentence about "the user" (e.g. "The user's sister is called Ana.").
You are also given what is already remembered: if the same fact is already there, answer "nothing"; if the message changes a remembered fact, answer "update" with the id of the memory it replaces.`;

export function summaryPrompt(previousSummary: string): string {
  return previousSummary
    ? `This is the summary of the conversation so far:\n${previousSummary}\n\nExtend it with the new messages above. Keep what matters for continuing the conversation: who the user is, what they shared, how they felt, what was promised. Write at most 150 words in the third person.`
    : "Summarize the conversation above between Rose and the user. Keep what matters for continuing it: who the user is, what they shared, how they felt, what was promised. Write at most 150 words in the third person.";
}

/** In-character words for when the chat model cannot be reached: the person is never left with an error. */
export const APOLOGY_REPLY = "I'm so sorry, my thoughts drifted away for a moment. Could you tell me that again in a little while?";
