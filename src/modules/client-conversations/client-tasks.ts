import { HumanMessage } from "@langchain/core/messages";
import type { LanguageModel } from "../llm/language-model.js";

/**
 * Chat apps do their own housekeeping with the model the person talks to: Open WebUI (and the clients
 * that reuse its prompt templates) asks for a chat's title, its tags, follow-up suggestions, search
 * queries or an autocompletion as one user message that opens with "### Task:", the conversation quoted
 * inside it. Taken as a turn, that would open a conversation of its own in Rose's list, be analysed for
 * memories (the person's words twice over), and be answered in character instead of with the JSON the
 * app parses. So such a request is a client task: the small model answers the app's prompt as written,
 * and nothing is stored.
 */
const TASK_OPENING = /^\s*#{2,4}\s*task\s*:/i;

interface ClientMessageLike {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
}

const textOf = (content: ClientMessageLike["content"]) =>
  typeof content === "string" ? content : (content ?? []).map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("\n");

/** The app's task prompt when the request is one (a lone user message opening "### Task:"), else null. */
export function clientTaskPrompt(messages: readonly ClientMessageLike[]): string | null {
  const dialogue = messages.filter((m) => m.role !== "system" && m.role !== "developer");
  if (dialogue.length !== 1 || dialogue[0]!.role !== "user") return null;
  const text = textOf(dialogue[0]!.content);
  return TASK_OPENING.test(text) ? text.trim() : null;
}

/** Answers client tasks with the small model: no thread, no memory, no character. */
export class ClientTasks {
  constructor(private readonly small: LanguageModel) {}

  answer(prompt: string, options: { signal?: AbortSignal; onToken?: (text: string) => void } = {}): Promise<string> {
    const messages = [new HumanMessage(prompt)];
    const signal = options.signal ? { signal: options.signal } : {};
    return options.onToken ? this.small.stream(messages, { ...signal, onToken: options.onToken }) : this.small.invoke(messages, signal);
  }
}
