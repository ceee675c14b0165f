import { ChatGroq } from "@langchain/groq";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { type ChatModelFactory, type ChatProvider, type ChatProviderContext, LangChainChatProvider, probeModelList } from "../chat-provider.js";

/** Current model ids; retired ones (e.g. llama-3.3-70b-versatile) are deliberately absent. */
export const GROQ_DEFAULT_MODELS = { chat: "openai/gpt-oss-120b", small: "llama-3.1-8b-instant" } as const;

/**
 * Groq. GROQ_CHAT_MODEL / GROQ_SMALL_MODEL choose its models wherever it stands in LLM_PROVIDERS;
 * CHAT_MODEL / SMALL_MODEL apply when it is the first.
 */
export const groqChat = defineProvider({
  id: "groq",
  env: (role) =>
    z
      .object({
        GROQ_API_KEY: optionalString,
        GROQ_BASE_URL: url.optional(),
        GROQ_CHAT_MODEL: optionalString,
        GROQ_SMALL_MODEL: optionalString,
        GROQ_VISION_MODEL: optionalString,
        CHAT_MODEL: optionalString,
        SMALL_MODEL: optionalString,
        VISION_MODEL: optionalString,
      })
      .transform((env) => ({
        apiKey: env.GROQ_API_KEY,
        baseUrl: env.GROQ_BASE_URL,
        chatModel: env.GROQ_CHAT_MODEL ?? (role === "primary" ? env.CHAT_MODEL : undefined) ?? GROQ_DEFAULT_MODELS.chat,
        smallModel: env.GROQ_SMALL_MODEL ?? (role === "primary" ? env.SMALL_MODEL : undefined) ?? GROQ_DEFAULT_MODELS.small,
        // No default: whether a model sees pictures is the operator's knowledge, not a guess.
        visionModel: env.GROQ_VISION_MODEL ?? (role === "primary" ? env.VISION_MODEL : undefined),
      })),
  missing: (s) => (s.apiKey ? null : "needs GROQ_API_KEY: set it to your Groq API key, or choose another provider (openai)"),
  autoSelect: (s) => s.apiKey !== undefined,
  create(s, { temperature }: ChatProviderContext): ChatProvider {
    // Retries belong to the resilience seam, not to the SDKs: two retry layers multiply attempts and hide failures.
    // The small model answers deterministically (routing, analysis); a caller's sampling applies to replies only.
    const model: ChatModelFactory = (name, role, sampling) =>
      new ChatGroq({
        model: name,
        temperature: role === "small" ? 0 : (sampling.temperature ?? temperature),
        ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
        ...(sampling.maxTokens !== undefined ? { maxTokens: sampling.maxTokens } : {}),
        apiKey: s.apiKey,
        baseUrl: s.baseUrl,
        maxRetries: 0,
      });
    const modelList = `${(s.baseUrl ?? "https://api.groq.com").replace(/\/$/, "")}/openai/v1/models`;
    return new LangChainChatProvider("groq", model, { chat: s.chatModel, small: s.smallModel, ...(s.visionModel ? { vision: s.visionModel } : {}) }, (signal) =>
      probeModelList(modelList, s.apiKey!, signal),
    );
  },
});
