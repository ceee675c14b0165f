import { type BaseMessage, isAIMessage, isHumanMessage } from "@langchain/core/messages";

/** Plain text of a message whose content may be a string or a list of content parts. */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  return content
    .map((part) => (typeof part === "string" ? part : part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join("");
}

export function latestUserText(messages: BaseMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (isHumanMessage(message)) return textOf(message);
  }
  return "";
}

export function roleOf(message: BaseMessage): "user" | "assistant" | "system" {
  if (isHumanMessage(message)) return "user";
  if (isAIMessage(message)) return "assistant";
  return "system";
}
