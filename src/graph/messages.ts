import { type BaseMessage, isAIMessage, isHumanMessage } from "@langchain/core/messages";

/** Plain text of a message whose content may be a string or a list of content parts. */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part === "string" ? part : part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

export function latestUserText(messages: BaseMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (isHumanMessage(message)) return textOf(message);
  }
  return "";
}

/** The message this turn answers: still pending before generate, the newest human message after it. */
export function turnUserText(state: { pendingUserMessage: { content: string } | null; messages: BaseMessage[] }): string {
  return state.pendingUserMessage ? state.pendingUserMessage.content : latestUserText(state.messages);
}

export function roleOf(message: BaseMessage): "user" | "assistant" | "system" {
  if (isHumanMessage(message)) return "user";
  if (isAIMessage(message)) return "assistant";
  return "system";
}
