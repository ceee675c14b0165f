import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LanguageModel } from "../llm/language-model.js";

/** A title is a line in a list: longer ones are cut, and a person's rename may not exceed it. */
export const MAX_TITLE_CHARS = 80;
/** Titles Rose finds herself are shorter than the limit: a glance, not a sentence. */
const FOUND_TITLE_CHARS = 60;
const FIRST_WORDS = 6;

export const TITLE_PROMPT = `You name conversations for a list of past chats. Read the person's first message and the reply, and answer with a short title of two to six words that says what the conversation is about.
Answer with the title only: no quotes, no punctuation at the end, no "Title:".`;

/** Cuts at a word boundary when one is near, so a title never ends mid-word if it can help it. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const slice = text.slice(0, max);
  const space = slice.lastIndexOf(" ");
  return (space > max / 2 ? slice.slice(0, space) : slice).trimEnd();
}

/** Plain text on one line: controls, markup characters and runs of spaces go. */
function flatten(text: string): string {
  return text
    .replace(/\p{Cc}|\p{Cs}/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The model's answer as a title: its first line, without a "Title:" label, quotes or Markdown marks
 * around it, or a full stop at its end. Null when nothing is left.
 */
export function cleanTitle(raw: string): string | null {
  const line =
    raw
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? "";
  const bare = flatten(line)
    .replace(/^title\s*:\s*/i, "")
    .replace(/^[\s"'“”‘’«»`*_#>-]+|[\s"'“”‘’«»`*_]+$/gu, "")
    .replace(/[.!?,;:]+$/u, "")
    .trim();
  return bare ? cut(bare, FOUND_TITLE_CHARS) : null;
}

/** When no model names it: the plain first words of the person's first message. */
export function firstWordsTitle(message: string): string {
  const words = flatten(message).split(" ").filter(Boolean);
  const start = words
    .slice(0, FIRST_WORDS)
    .join(" ")
    .replace(/[.!?,;:…]+$/u, "");
  return cut(start, FOUND_TITLE_CHARS) || "Conversation";
}

export type ConversationNamer = (message: string, reply: string, signal?: AbortSignal) => Promise<string | null>;

/** Asks the small model for a title (null when its answer holds none). */
export function modelNamer(model: LanguageModel): ConversationNamer {
  return async (message, reply, signal) => {
    const answer = await model.invoke(
      [new SystemMessage(TITLE_PROMPT), new HumanMessage(`The person's first message:\n${message.slice(0, 2000)}\n\nThe reply:\n${reply.slice(0, 1000)}`)],
      signal ? { signal } : {},
    );
    return cleanTitle(answer);
  };
}
