import { openAiError } from "./errors.js";

/** A chat message as OpenAI's clients send it; content is text or an array of content parts. */
export interface ClientMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool" | "function";
  content?: string | Array<{ type: string; text?: string }> | null;
}

/** What Rose takes from a client's resent history. */
export interface ClientConversation {
  /** The client's system (and developer) messages, joined: its instructions, beneath Rose's own rules. */
  instructions: string;
  /** The newest user message: the one new turn in the request. */
  newest: string;
  firstUserMessage: string;
  /** The first reply in the client's history, as it resends it; null when there is none yet. */
  firstReply: string | null;
  /** True when the request holds nothing but the opening message: a conversation just begun. */
  opening: boolean;
  /** How many user messages the client's history holds, the newest included. */
  userMessages: number;
}

const textOf = (content: ClientMessage["content"]) =>
  typeof content === "string"
    ? content
    : (content ?? [])
        .filter((p) => p.type === "text")
        .map((p) => p.text ?? "")
        .join("\n");

const INSTRUCTION_ROLES = new Set(["system", "developer"]);

/**
 * Reads a client's messages (already validated by the request schema): the history before the newest
 * user message is the client's copy of the thread Rose keeps, so only that newest message is new.
 * System messages anywhere (SillyTavern puts some after the history) are the client's instructions.
 */
export function readConversation(messages: ClientMessage[], maxMessageChars: number): ClientConversation {
  const dialogue = messages.filter((m) => !INSTRUCTION_ROLES.has(m.role));
  const last = dialogue.at(-1);
  if (!dialogue.some((m) => m.role === "user")) throw openAiError(400, "invalid_request_error", "messages must include a message with role 'user'", "messages");
  if (last?.role !== "user")
    throw openAiError(
      400,
      "invalid_request_error",
      "The last message (after any system messages) must have role 'user': Rose answers the newest user message",
      "messages",
    );
  const newest = textOf(last.content).trim();
  const lastIndex = messages.lastIndexOf(last);
  if (!newest) throw openAiError(400, "invalid_request_error", "The last user message is empty", `messages[${lastIndex}].content`);
  if (newest.length > maxMessageChars)
    throw openAiError(400, "context_length_exceeded", `The last user message is longer than ${maxMessageChars} characters`, `messages[${lastIndex}].content`);
  const firstUserIndex = dialogue.findIndex((m) => m.role === "user");
  const firstReply = dialogue.slice(firstUserIndex + 1).find((m) => m.role === "assistant");
  return {
    instructions: messages
      .filter((m) => INSTRUCTION_ROLES.has(m.role))
      .map((m) => textOf(m.content).trim())
      .filter(Boolean)
      .join("\n\n"),
    newest,
    firstUserMessage: textOf(dialogue[firstUserIndex]!.content),
    firstReply: firstReply ? textOf(firstReply.content) : null,
    opening: dialogue.length === 1,
    userMessages: dialogue.filter((m) => m.role === "user").length,
  };
}
