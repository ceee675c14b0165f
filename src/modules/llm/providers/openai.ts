import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { type ChatModelFactory, type ChatProvider, type ChatProviderContext, LangChainChatProvider, probeModelList } from "../chat-provider.js";

export const OPENAI_DEFAULT_MODELS = { chat: "gpt-4.1-mini", small: "gpt-4.1-nano" } as const;

/**
 * OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio, llama.cpp) at OPENAI_BASE_URL.
 * OPENAI_CHAT_MODEL / OPENAI_SMALL_MODEL choose its models wherever it stands in LLM_PROVIDERS;
 * CHAT_MODEL / SMALL_MODEL apply when it is the first.
 */
export const openAiChat = defineProvider({
  id: "openai",
  env: (role) =>
    z
      .object({
        OPENAI_API_KEY: optionalString,
        OPENAI_BASE_URL: url.optional(),
        OPENAI_CHAT_MODEL: optionalString,
        OPENAI_SMALL_MODEL: optionalString,
        OPENAI_VISION_MODEL: optionalString,
        CHAT_MODEL: optionalString,
        SMALL_MODEL: optionalString,
        VISION_MODEL: optionalString,
      })
      .transform((env) => ({
        apiKey: env.OPENAI_API_KEY,
        baseUrl: env.OPENAI_BASE_URL,
        chatModel: env.OPENAI_CHAT_MODEL ?? (role === "primary" ? env.CHAT_MODEL : undefined) ?? OPENAI_DEFAULT_MODELS.chat,
        smallModel: env.OPENAI_SMALL_MODEL ?? (role === "primary" ? env.SMALL_MODEL : undefined) ?? OPENAI_DEFAULT_MODELS.small,
        // No default: whether a model sees pictures is the operator's knowledge, not a guess.
        visionModel: env.OPENAI_VISION_MODEL ?? (role === "primary" ? env.VISION_MODEL : undefined),
      })),
  missing: (s) => (s.apiKey || s.baseUrl ? null : "needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"),
  autoSelect: (s) => s.apiKey !== undefined || s.baseUrl !== undefined,
  create(s, { temperature }: ChatProviderContext): ChatProvider {
    // Local OpenAI-compatible servers accept any key; the SDK insists on one.
    const key = s.apiKey ?? "not-needed";
    // The small model answers deterministically (routing, analysis); a caller's sampling applies to replies only.
    const model: ChatModelFactory = (name, role, sampling) =>
      new ChatOpenAI({
        model: name,
        temperature: role === "small" ? 0 : (sampling.temperature ?? temperature),
        ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
        ...(sampling.maxTokens !== undefined ? { maxTokens: sampling.maxTokens } : {}),
        apiKey: key,
        configuration: { baseURL: s.baseUrl },
        maxRetries: 0,
        streamUsage: false,
      });
    const modelList = `${(s.baseUrl ?? "https://api.openai.com/v1").replace(/\/$/, "")}/models`;
    return new LangChainChatProvider(
      "openai",
      model,
      { chat: s.chatModel, small: s.smallModel, ...(s.visionModel ? { vision: s.visionModel } : {}) },
      (signal) => probeModelList(modelList, key, signal),
    );
  },
});
