import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AIMessageChunk, BaseMessage } from "@langchain/core/messages";
import type { z } from "zod";
import { ProviderError, providerErrorFrom } from "../../core/resilience/provider-error.js";

/**
 * Rose's replies come from the chat model; routing, memory analysis and summaries from the small one; a
 * reply to a turn with pictures from the vision model, when the provider has one (`*_VISION_MODEL`).
 */
export type ModelRole = "chat" | "small" | "vision";

/** Every provider has a chat and a small model; a vision model only when configured. */
export type RoleModels<T> = Readonly<Record<"chat" | "small", T> & { vision?: T }>;

/**
 * A caller's own settings for one reply (an OpenAI-style client's `temperature`, `top_p`, `max_tokens`),
 * over the configured ones. Absent fields keep the configured value.
 */
export interface Sampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
}

export interface StreamOptions {
  sampling?: Sampling;
  /** The provider's reason the reply ended ("stop", "length" when `maxTokens` cut it short), when it says. */
  onFinish?: (reason: string) => void;
}

const hasSampling = (sampling: Sampling | undefined): sampling is Sampling =>
  sampling !== undefined && (sampling.temperature !== undefined || sampling.topP !== undefined || sampling.maxTokens !== undefined);

/**
 * One chat-model provider, unguarded: a capability's fallback chain wraps it in its own guard. It
 * raises ProviderErrors (translated from its SDK at this edge), so the guard and the chain know what
 * is worth a retry or the next provider.
 */
export interface ChatProvider {
  readonly id: string;
  readonly models: RoleModels<string>;
  /** The reply's text, piece by piece as it is generated; an empty reply is a failure. */
  stream(role: ModelRole, messages: BaseMessage[], signal: AbortSignal, options?: StreamOptions): AsyncIterable<string>;
  /** The whole reply's text. */
  invoke(role: ModelRole, messages: BaseMessage[], signal: AbortSignal): Promise<string>;
  /** A reply in the shape of `schema` (tool calling), named `name`. */
  structured<S extends z.ZodType>(role: ModelRole, schema: S, name: string, messages: BaseMessage[], signal: AbortSignal): Promise<z.infer<S>>;
  /** A free round trip (the model list) that proves the server answers and takes the key. */
  probe(signal: AbortSignal): Promise<void>;
}

/** Settings every chat provider receives from the capability. */
export interface ChatProviderContext {
  temperature: number;
}

export function textOfContent(content: AIMessageChunk["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (typeof part === "object" && part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

/** Asks an OpenAI-style `GET /models` and discards the answer. */
export async function probeModelList(url: string, key: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`model list answered ${response.status}`);
}

/** Builds a provider's LangChain model for a role, with a caller's sampling over the configured settings. */
export type ChatModelFactory = (name: string, role: ModelRole, sampling: Sampling) => BaseChatModel;

/** Distinct sampling settings kept built at once; clients tend to send the same few again and again. */
const TUNED_MODELS_KEPT = 32;

/** A chat provider served by LangChain chat models (ChatGroq, ChatOpenAI...). */
export class LangChainChatProvider implements ChatProvider {
  private readonly structuredRunnables = new Map<string, { invoke(messages: BaseMessage[], options: { signal: AbortSignal }): Promise<unknown> }>();
  private readonly chatModels: RoleModels<BaseChatModel>;
  /** Models built for a caller's sampling, most recently used last. */
  private readonly tuned = new Map<string, BaseChatModel>();

  constructor(
    readonly id: string,
    private readonly build: ChatModelFactory,
    readonly models: RoleModels<string>,
    private readonly probeOnce: (signal: AbortSignal) => Promise<void>,
  ) {
    this.chatModels = {
      chat: build(models.chat, "chat", {}),
      small: build(models.small, "small", {}),
      ...(models.vision ? { vision: build(models.vision, "vision", {}) } : {}),
    };
  }

  private modelFor(role: ModelRole, sampling?: Sampling): BaseChatModel {
    const model = this.chatModels[role];
    const name = this.models[role];
    if (!model || !name) throw new ProviderError({ provider: this.id, kind: "client", message: `no ${role} model is configured` });
    if (!hasSampling(sampling)) return model;
    const key = `${role}|${sampling.temperature ?? ""}|${sampling.topP ?? ""}|${sampling.maxTokens ?? ""}`;
    let tuned = this.tuned.get(key);
    if (tuned) this.tuned.delete(key);
    else tuned = this.build(name, role, sampling);
    this.tuned.set(key, tuned);
    if (this.tuned.size > TUNED_MODELS_KEPT) this.tuned.delete(this.tuned.keys().next().value!);
    return tuned;
  }

  async *stream(role: ModelRole, messages: BaseMessage[], signal: AbortSignal, options: StreamOptions = {}): AsyncIterable<string> {
    let any = false;
    try {
      const stream = await this.modelFor(role, options.sampling).stream(messages, { signal });
      for await (const chunk of stream) {
        const finish: unknown = chunk.response_metadata?.finish_reason;
        if (typeof finish === "string") options.onFinish?.(finish);
        const piece = textOfContent(chunk.content);
        if (!piece) continue;
        any ||= piece.trim() !== "";
        yield piece;
      }
    } catch (error) {
      throw providerErrorFrom(this.id, error);
    }
    if (!any) throw new ProviderError({ provider: this.id, kind: "server", message: "the chat model returned an empty reply" });
  }

  async invoke(role: ModelRole, messages: BaseMessage[], signal: AbortSignal): Promise<string> {
    try {
      return textOfContent((await this.modelFor(role).invoke(messages, { signal })).content);
    } catch (error) {
      throw providerErrorFrom(this.id, error);
    }
  }

  async structured<S extends z.ZodType>(role: ModelRole, schema: S, name: string, messages: BaseMessage[], signal: AbortSignal): Promise<z.infer<S>> {
    const key = `${role}:${name}`;
    let runnable = this.structuredRunnables.get(key);
    if (!runnable) {
      runnable = this.modelFor(role).withStructuredOutput(schema as z.ZodType<Record<string, unknown>>, { name, method: "functionCalling" });
      this.structuredRunnables.set(key, runnable);
    }
    try {
      return (await runnable.invoke(messages, { signal })) as z.infer<S>;
    } catch (error) {
      throw providerErrorFrom(this.id, error);
    }
  }

  probe(signal: AbortSignal): Promise<void> {
    return this.probeOnce(signal);
  }
}
