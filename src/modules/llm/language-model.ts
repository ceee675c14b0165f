import type { BaseMessage } from "@langchain/core/messages";
import type { z } from "zod";
import type { Logger } from "../../core/logger.js";
import { instantiate, type ResolvedProvider } from "../../core/providers.js";
import { FallbackChain } from "../../core/resilience/fallback-chain.js";
import type { ProviderGuards } from "../../core/resilience/guards.js";
import type { ChatProvider, ChatProviderContext, ModelRole, StreamOptions } from "./chat-provider.js";

export interface CallOptions {
  /** The turn's signal: fires when the person leaves. Each attempt has its own timeout on top of it. */
  signal?: AbortSignal;
}

/**
 * A model role ("chat" or "small") as callers see it: guarded, with providers standing in for each
 * other. Callers just call it; breakers, timeouts, retries and fallbacks happen inside.
 */
export interface LanguageModel {
  readonly role: ModelRole;
  /**
   * Streams a reply: each piece goes to `onToken` as it arrives, the whole text is returned. A failure
   * before the first piece is retried or handed to the next provider; after it, never (nothing is said twice).
   */
  stream(messages: BaseMessage[], options: CallOptions & StreamOptions & { onToken: (text: string) => void }): Promise<string>;
  invoke(messages: BaseMessage[], options?: CallOptions): Promise<string>;
  /** Replies shaped by `schema` (tool calling, named `name`). */
  structured<S extends z.ZodType>(schema: S, name: string): { invoke(messages: BaseMessage[], options?: CallOptions): Promise<z.infer<S>> };
}

export class GuardedLanguageModel implements LanguageModel {
  constructor(
    readonly role: ModelRole,
    readonly chain: FallbackChain<ChatProvider>,
  ) {}

  async stream(messages: BaseMessage[], { signal, onToken, ...tuning }: CallOptions & StreamOptions & { onToken: (text: string) => void }): Promise<string> {
    let streamed = 0;
    return this.chain.run(
      async (provider, attemptSignal) => {
        let text = "";
        for await (const piece of provider.stream(this.role, messages, attemptSignal, tuning)) {
          text += piece;
          streamed++;
          onToken(piece);
        }
        return text;
      },
      // Once tokens reached the person a retry (or another provider) would repeat them.
      { ...(signal ? { signal } : {}), canRetry: () => streamed === 0 },
    );
  }

  invoke(messages: BaseMessage[], { signal }: CallOptions = {}): Promise<string> {
    return this.chain.run((provider, attemptSignal) => provider.invoke(this.role, messages, attemptSignal), signal ? { signal } : {});
  }

  structured<S extends z.ZodType>(schema: S, name: string): { invoke(messages: BaseMessage[], options?: CallOptions): Promise<z.infer<S>> } {
    return {
      invoke: (messages, { signal } = {}) =>
        this.chain.run((provider, attemptSignal) => provider.structured(this.role, schema, name, messages, attemptSignal), signal ? { signal } : {}),
    };
  }
}

/** The chat model and the small model, each a fallback chain over the configured providers (one breaker per provider and role). */
export interface LanguageModels {
  chat: GuardedLanguageModel;
  small: GuardedLanguageModel;
  /** The providers that have a vision model (`*_VISION_MODEL`), for turns with pictures; null when none has. */
  vision: GuardedLanguageModel | null;
}

export function createLanguageModels(
  providers: ReadonlyArray<ResolvedProvider<ChatProvider, ChatProviderContext>>,
  context: ChatProviderContext,
  guards: ProviderGuards,
  logger?: Logger,
): LanguageModels | null {
  if (providers.length === 0) return null;
  const instances = instantiate(providers, context);
  const chain = (role: ModelRole, members = instances) =>
    new FallbackChain(
      role,
      members.map((provider) => ({
        id: provider.id,
        provider,
        guard: guards.guard(`${role}:${provider.id}`, "llm"),
        model: provider.models[role] ?? "",
        probe: (signal: AbortSignal) => provider.probe(signal),
      })),
      logger,
    );
  const seeing = instances.filter((provider) => provider.models.vision !== undefined);
  return {
    chat: new GuardedLanguageModel("chat", chain("chat")),
    small: new GuardedLanguageModel("small", chain("small")),
    vision: seeing.length > 0 ? new GuardedLanguageModel("vision", chain("vision", seeing)) : null,
  };
}
