import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatGroq } from "@langchain/groq";
import { ChatOpenAI } from "@langchain/openai";
import type { Config, LlmProvider } from "../../core/config.js";

export interface ChatModels {
  provider: LlmProvider;
  /** Writes Rose's replies. */
  chat: BaseChatModel;
  /** Cheap, fast model for routing, memory analysis and summaries. */
  small: BaseChatModel;
  chatModelId: string;
  smallModelId: string;
}

interface ModelOptions {
  model: string;
  temperature: number;
}

/** Retries belong to the resilience seam, not to the SDKs: two retry layers multiply attempts and hide failures. */
const NO_SDK_RETRIES = 0;

function groqModel(config: Config, { model, temperature }: ModelOptions): BaseChatModel {
  return new ChatGroq({
    model,
    temperature,
    apiKey: config.llm.groq.apiKey,
    baseUrl: config.llm.groq.baseUrl,
    maxRetries: NO_SDK_RETRIES,
  });
}

function openAiCompatibleModel(config: Config, { model, temperature }: ModelOptions): BaseChatModel {
  return new ChatOpenAI({
    model,
    temperature,
    // Local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) accept any key; the SDK insists on one.
    apiKey: config.llm.openai.apiKey ?? "not-needed",
    configuration: { baseURL: config.llm.openai.baseUrl },
    maxRetries: NO_SDK_RETRIES,
    streamUsage: false,
  });
}

const FACTORIES: Record<LlmProvider, (config: Config, options: ModelOptions) => BaseChatModel> = {
  groq: groqModel,
  openai: openAiCompatibleModel,
};

/** Builds the configured provider's models, or null when none is configured (the service still boots). */
export function createChatModels(config: Config): ChatModels | null {
  const provider = config.llm.provider;
  if (!provider) return null;
  const build = FACTORIES[provider];
  return {
    provider,
    chat: build(config, { model: config.llm.chatModel, temperature: config.llm.temperature }),
    small: build(config, { model: config.llm.smallModel, temperature: 0 }),
    chatModelId: config.llm.chatModel,
    smallModelId: config.llm.smallModel,
  };
}
