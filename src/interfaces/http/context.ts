import type { Store } from "express-rate-limit";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import type { ServiceHealth } from "../../core/health/service-health.js";
import type { Metrics } from "../../core/metrics.js";
import type { Accounts } from "../../modules/accounts/accounts.js";
import type { Passkeys } from "../../modules/accounts/passkeys.js";
import type { PersonalDataRegistry } from "../../core/personal-data.js";
import type { TurnRunner } from "../../graph/turn-runner.js";
import type { Companion } from "../../modules/companion/companion.js";
import type { LongTermMemory } from "../../modules/memory/long-term-memory.js";
import type { AudioStore } from "../../modules/speech/audio-store.js";
import type { Speech } from "../../modules/speech/speech.js";
import type { SessionStore } from "../../modules/sessions/types.js";
import type { ApiKeys } from "../../modules/api-keys/api-keys.js";
import type { ClientTasks } from "../../modules/client-conversations/client-tasks.js";
import type { ConversationLinkStore } from "../../modules/client-conversations/types.js";
import type { Pictures } from "../../modules/images/pictures.js";

/** What the HTTP layer needs from the rest of the service. */
export interface HttpDeps {
  config: Config;
  logger: Logger;
  version: string;
  signingSecret: string;
  metrics: Metrics;
  sessions: SessionStore;
  turns: TurnRunner;
  memory: LongTermMemory;
  /** Memory writes still queued (null without a chat model): "forget me" must drop them too. */
  memoryOutbox: { forgetUser(userId: string): Promise<number> } | null;
  /** Speech recognition and synthesis for voice turns. */
  speech: Speech;
  /** Spoken replies kept for a short while under DATA_DIR/audio. */
  audioStore: AudioStore;
  /** The conversations' pictures: stored per owner, served only to them. */
  pictures: Pictures;
  /** Characters, the companion's state and each person's settings. */
  companion: Companion;
  health: ServiceHealth;
  /** Every store holding a person's data: their export and their erasure. */
  personalData: PersonalDataRegistry;
  /** False once shutdown began: readiness turns 503 so the load balancer stops sending new turns. */
  isAccepting: () => boolean;
  /** Accounts, sign-in sessions and tokens; passkey ceremonies. */
  accounts: Accounts;
  passkeys: Passkeys;
  /** Shared rate-limit counters (Redis) when several instances serve the same users. */
  rateLimitStore?: (prefix: string) => Store;
  /** API keys for programs, checked by the OpenAI-compatible API under /v1. */
  apiKeys: ApiKeys;
  /** Which thread an OpenAI-style client's conversation maps to. */
  conversationLinks: ConversationLinkStore;
  /** An OpenAI-style client's own housekeeping prompts (titles, tags), answered outside any conversation; null without a model. */
  clientTasks: ClientTasks | null;
}
