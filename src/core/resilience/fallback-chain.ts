import type { Logger } from "../logger.js";
import { isProviderError } from "./provider-error.js";
import { type BreakerState, type ProviderGuard, ProviderUnavailableError } from "./provider-guard.js";

/**
 * Providers that stand in for each other (LiveKit agents' FallbackAdapter, with breakers): each member
 * has its own guard (its own breaker, timeout and retries), and a call goes to the first member that
 * can take it. When it fails, or its breaker is open, the next one serves; traffic returns to the first
 * as soon as its breaker half-opens and a trial call succeeds. This is the one place where provider
 * calls are guarded: capabilities (the chat model, speech recognition, speech synthesis) call their
 * chain, and their callers just call the capability.
 */

export interface ChainMember<P> {
  /** The provider's id: "groq", "elevenlabs". */
  readonly id: string;
  readonly provider: P;
  readonly guard: ProviderGuard;
  readonly model?: string;
  /** A cheap round trip that proves the provider answers (for health). */
  readonly probe?: (signal: AbortSignal) => Promise<void>;
}

export interface ChainRunOptions {
  signal?: AbortSignal;
  /**
   * Whether another attempt (a retry, or the next provider) is still safe; checked after every failure.
   * A streamed reply says no once tokens reached the person, so nothing is said twice.
   */
  canRetry?: () => boolean;
}

export interface ServingStatus {
  /** The first provider of the chain: the one that serves when all is well. */
  provider: string;
  /** Who is serving right now (who answered the latest call, or would take the next); null when nobody can. */
  serving: string | null;
  /** Why the first provider is not serving, e.g. "groq circuit open"; absent while it serves. */
  reason?: string;
}

interface LastOutcome {
  servedBy: string | null;
  /** Why each member before the one that served (or every member, if none did) did not. */
  reasons: string[];
}

function describeFailure(id: string, error: unknown): string {
  if (error instanceof ProviderUnavailableError && error.reason === "circuit_open") return `${id} circuit open`;
  const cause = error instanceof ProviderUnavailableError ? error.cause : error;
  if (isProviderError(cause)) return `${id} failed: ${cause.kind.replace("_", " ")}${cause.status ? ` (HTTP ${cause.status})` : ""}`;
  if ((cause as { code?: string } | null)?.code === "ATTEMPT_TIMEOUT") return `${id} failed: timeout`;
  return `${id} failed`;
}

/** Input the provider could not use (unreadable audio) would be refused by the next one too: the person must send another. */
function isInputProblem(error: unknown): boolean {
  return isProviderError(error) && error.kind === "unreadable_input";
}

export class FallbackChain<P> {
  private last: LastOutcome | undefined;

  constructor(
    /** The capability, for logs and errors: "chat", "stt", "tts". */
    readonly capability: string,
    readonly members: ReadonlyArray<ChainMember<P>>,
    private readonly logger?: Logger,
  ) {
    if (members.length === 0) throw new Error(`${capability}: a fallback chain needs at least one provider`);
  }

  get primary(): ChainMember<P> {
    return this.members[0]!;
  }

  /**
   * Runs `operation` on the first member that can take it, each under its own guard. Throws the
   * caller's abort as it is, input problems as they are, and otherwise, once every member failed or
   * was open, a ProviderUnavailableError for the capability whose cause is the last member's failure.
   */
  async run<T>(operation: (provider: P, signal: AbortSignal, member: ChainMember<P>) => Promise<T>, options: ChainRunOptions = {}): Promise<T> {
    const reasons: string[] = [];
    let lastError: unknown;
    let allOpen = true;
    for (const [index, member] of this.members.entries()) {
      const next = this.members.slice(index + 1).find((m) => m.guard.state !== "open");
      try {
        const result = await member.guard.run((signal) => operation(member.provider, signal, member), {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.canRetry ? { canRetry: options.canRetry } : {}),
          // With someone to take over, a provider that hung is not waited for twice.
          retryTimeouts: next === undefined,
        });
        this.last = { servedBy: member.id, reasons };
        if (index > 0) this.logger?.info("a fallback provider served", { capability: this.capability, provider: member.id, because: reasons.join("; ") });
        return result;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        lastError = error;
        if (!(error instanceof ProviderUnavailableError && error.reason === "circuit_open")) allOpen = false;
        reasons.push(describeFailure(member.id, error));
        if (isInputProblem(error)) {
          this.last = { servedBy: member.id, reasons: reasons.slice(0, -1) }; // it answered: the input was the problem
          throw error;
        }
        if (!(options.canRetry?.() ?? true)) {
          this.last = { servedBy: null, reasons };
          throw error;
        }
        if (next)
          this.logger?.warn("provider failed; the next one takes over", {
            capability: this.capability,
            provider: member.id,
            next: next.id,
            reason: reasons.at(-1),
          });
      }
    }
    this.last = { servedBy: null, reasons };
    if (this.members.length === 1) throw lastError; // a lone provider's guard already said it as well as it can be said
    throw new ProviderUnavailableError(this.capability, allOpen ? "circuit_open" : "failed", { cause: lastError });
  }

  /**
   * Who serves and why: the member that answered the latest call, while its breaker lets calls through;
   * before any call (or once that member's breaker opened), whoever would take the next one; nobody
   * when the latest call found no member able to answer.
   */
  status(): ServingStatus {
    const primary = this.primary;
    const open = (m: ChainMember<P>) => m.guard.state === "open";
    const lastServer = this.last?.servedBy ? this.members.find((m) => m.id === this.last!.servedBy) : undefined;
    const serving = this.last && !this.last.servedBy ? undefined : lastServer && !open(lastServer) ? lastServer : this.members.find((m) => !open(m));
    if (serving === primary) return { provider: primary.id, serving: primary.id };
    return { provider: primary.id, serving: serving?.id ?? null, reason: this.whyNotPrimary(serving) };
  }

  /** Every member's breaker state, in chain order. */
  breakers(): Array<{ provider: string; breaker: BreakerState }> {
    return this.members.map((m) => ({ provider: m.id, breaker: m.guard.state }));
  }

  shutdown(): void {
    for (const member of this.members) member.guard.shutdown();
  }

  private whyNotPrimary(serving: ChainMember<P> | undefined): string {
    const reasonFor = (m: ChainMember<P>) => {
      if (m.guard.state === "open") return `${m.id} circuit open`;
      if (m.guard.state === "half_open") return `${m.id} circuit half-open: the next call tries it again`;
      return this.last?.reasons.find((r) => r.startsWith(`${m.id} `)) ?? `${m.id} failed`;
    };
    return serving ? reasonFor(this.primary) : `no provider is available: ${this.members.map(reasonFor).join("; ")}`;
  }
}
