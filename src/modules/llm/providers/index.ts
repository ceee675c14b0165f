import type { CapabilitySpec } from "../../../core/providers.js";
import type { ChatProvider, ChatProviderContext } from "../chat-provider.js";
import { groqChat } from "./groq.js";
import { openAiChat } from "./openai.js";

/**
 * The chat-model providers, one line each, in the order they are picked when LLM_PROVIDER(S) names
 * none (the first whose credentials are set). A new provider is its file plus a line here.
 */
export const CHAT_PROVIDERS = [groqChat, openAiChat] as const;

export const CHAT_CAPABILITY: CapabilitySpec<ChatProvider, ChatProviderContext> = {
  label: "chat model",
  listVariable: "LLM_PROVIDERS",
  singleVariable: "LLM_PROVIDER",
  providers: CHAT_PROVIDERS,
  allowsNone: false,
};
