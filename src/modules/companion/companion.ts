import { badRequest } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { localMoment } from "../character/activity.js";
import type { CharacterCard } from "../character/card.js";
import type { CharacterCatalog } from "../character/catalog.js";
import type { CompanionMood } from "../character/prompts.js";
import type { CrisisResources, Resources } from "../care/crisis-resources.js";
import type { LanguageModel } from "../llm/language-model.js";
import type { MemoryService } from "../memory/types.js";
import type { Perception } from "../perception/perceive.js";
import type { SpeechStyle } from "../speech/types.js";
import { composeOpener } from "./opener.js";
import { afterExchange, bondStage, feelingOf, initialState, settle, type CompanionState } from "./state.js";
import { DEFAULT_SETTINGS, type CompanionSettings, type CompanionStore } from "./types.js";

/** The companion as one turn needs her: small, so it rides in the graph state (and its checkpoints). */
export interface TurnCompanion {
  characterId: string;
  callMe: string | null;
  speakingRate: number;
  /** Voice per speech provider: the character's own, with the person's choice over the primary provider's. */
  voices: Record<string, string>;
  mood: CompanionMood;
  /** Where to point the person in a crisis (their country's lines, or the international default). */
  resources: Resources;
  /** What she said to open this conversation, until the person's first message is answered. */
  opener: string | null;
}

export interface CompanionDeps {
  characters: CharacterCatalog;
  store: CompanionStore;
  resources: CrisisResources;
  logger: Logger;
  /** The small model phrases openers; without it a plain question is used. */
  small?: LanguageModel | null;
  /** How long a person is away before Rose may open the conversation herself. */
  openerAfterMs: number;
  /** The primary voice provider and its voices (settings are checked against them), or null without speech. */
  voiceChoices: () => { provider: string; voices: readonly string[] } | null;
  now?: () => Date;
}

export type SettingsPatch = Partial<CompanionSettings>;

/**
 * The companion layer's one entry point: the person's settings and chosen character, her state with
 * them (read settled to now, written after every exchange), the view `GET /companion` shows, and the
 * opener when a person returns.
 */
export class Companion {
  private readonly now: () => Date;

  constructor(private readonly deps: CompanionDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get characters(): CharacterCatalog {
    return this.deps.characters;
  }

  async settings(userId: string): Promise<CompanionSettings> {
    return (await this.deps.store.settings(userId)) ?? DEFAULT_SETTINGS(this.deps.characters.defaultCard.id);
  }

  /** The person's character; a card since deleted falls back to the default (Rose). */
  private async card(userId: string, settings: CompanionSettings): Promise<CharacterCard> {
    return (await this.deps.characters.get(userId, settings.characterId)) ?? this.deps.characters.defaultCard;
  }

  private async settledState(userId: string, card: CharacterCard, timezone: string): Promise<CompanionState> {
    const now = this.now();
    const stored = (await this.deps.store.state(userId, card.id)) ?? initialState(card, now);
    return settle(stored, card, now, localMoment(now, timezone, card.daily_rhythm).hour);
  }

  private voicesFor(card: CharacterCard, settings: CompanionSettings): Record<string, string> {
    const voices = Object.fromEntries(Object.entries(card.voices).map(([provider, v]) => [provider, v.voice]));
    const primary = this.deps.voiceChoices()?.provider;
    if (settings.voice && primary) voices[primary] = settings.voice;
    return voices;
  }

  async forTurn(userId: string, sessionId: string, timezone: string): Promise<TurnCompanion> {
    const settings = await this.settings(userId);
    const card = await this.card(userId, settings);
    const state = await this.settledState(userId, card, timezone);
    return {
      characterId: card.id,
      callMe: settings.callMe,
      speakingRate: settings.speakingRate,
      voices: this.voicesFor(card, settings),
      mood: { feeling: feelingOf(state), energy: state.energy, bondStage: bondStage(state.bond), exchanges: state.exchanges },
      resources: this.deps.resources.forPerson(settings.country, timezone),
      opener: state.opener?.sessionId === sessionId ? state.opener.text : null,
    };
  }

  /**
   * How she sounds when she opens a conversation herself: nobody has spoken yet, so there is no feeling
   * to meet; a quiet warmth, at the person's pace, in the character's voice or the one they chose.
   */
  async openerVoice(userId: string): Promise<SpeechStyle> {
    const settings = await this.settings(userId);
    const card = await this.card(userId, settings);
    return { delivery: "warm", intensity: 0.3, rate: settings.speakingRate, voices: this.voicesFor(card, settings) };
  }

  async cardFor(userId: string, characterId: string): Promise<CharacterCard> {
    return (await this.deps.characters.get(userId, characterId)) ?? this.deps.characters.defaultCard;
  }

  /** After an exchange: her state with this person moves on (mood, energy, bond), and a spent opener is cleared. */
  async recordExchange(userId: string, characterId: string, timezone: string, message: string, perception: Perception): Promise<CompanionState> {
    const card = await this.cardFor(userId, characterId);
    const state = { ...afterExchange(await this.settledState(userId, card, timezone), message, perception, this.now()), opener: null };
    await this.deps.store.saveState(userId, card.id, state);
    return state;
  }

  /** What `GET /companion` shows: the character, her mood, energy and bond with this person, and their settings. */
  async view(userId: string, timezone: string) {
    const settings = await this.settings(userId);
    const card = await this.card(userId, settings);
    const state = await this.settledState(userId, card, timezone);
    const choices = this.deps.voiceChoices();
    return {
      character: { id: card.id, name: card.name },
      mood: { feeling: feelingOf(state), valence: state.valence, arousal: state.arousal },
      energy: state.energy,
      bond: state.bond,
      bond_stage: bondStage(state.bond),
      exchanges: state.exchanges,
      last_seen_at: state.lastSeenAt,
      settings: settingsJson(settings),
      voices: choices ? { provider: choices.provider, available: choices.voices } : null,
    };
  }

  /** Applies the fields given; an unknown character or voice is a 400 and nothing is stored. */
  async updateSettings(userId: string, patch: SettingsPatch): Promise<CompanionSettings> {
    const current = await this.settings(userId);
    const next = { ...current, ...patch };
    if (patch.characterId !== undefined && !(await this.deps.characters.get(userId, patch.characterId)))
      throw badRequest(`character_id: there is no character "${patch.characterId}" (see GET /api/v1/characters)`);
    if (patch.voice) {
      const choices = this.deps.voiceChoices();
      if (!choices) throw badRequest("voice: speech is turned off on this server (TTS_PROVIDER=none), so there is no voice to choose");
      if (!choices.voices.includes(patch.voice)) throw badRequest(`voice: unknown voice for ${choices.provider}; choose one of ${choices.voices.join(", ")}`);
    }
    await this.deps.store.saveSettings(userId, next);
    return next;
  }

  /** Deletes one of the person's imported characters, her state with them, and the choice of it (back to the default). False when they have none by that id. */
  async forgetCharacter(userId: string, characterId: string): Promise<boolean> {
    if (!(await this.deps.characters.delete(userId, characterId))) return false;
    await this.deps.store.forgetCharacter(characterId);
    const settings = await this.deps.store.settings(userId);
    if (settings?.characterId === characterId) await this.deps.store.saveSettings(userId, { ...settings, characterId: this.deps.characters.defaultCard.id });
    return true;
  }

  /**
   * The opener when the person comes back after a while (and allows it): at most one per return, about
   * something that mattered to them. It is kept for the session it opens, so her next reply knows what she asked.
   */
  async openerFor(userId: string, sessionId: string, timezone: string, memory: MemoryService): Promise<string | null> {
    const settings = await this.settings(userId);
    if (!settings.opener) return null;
    const card = await this.card(userId, settings);
    const state = await this.settledState(userId, card, timezone);
    const now = this.now();
    if (!state.lastSeenAt || now.getTime() - Date.parse(state.lastSeenAt) < this.deps.openerAfterMs) return null;
    if (state.lastOpenerAt && Date.parse(state.lastOpenerAt) >= Date.parse(state.lastSeenAt)) return null;
    let text: string | null;
    try {
      text = await composeOpener(await memory.list(userId, { limit: 100 }), now, { callMe: settings.callMe, model: this.deps.small ?? null });
    } catch (error) {
      this.deps.logger.warn("could not compose an opener; the conversation starts without one", { error: (error as Error).message });
      return null;
    }
    if (!text) return null;
    await this.deps.store.saveState(userId, card.id, { ...state, lastOpenerAt: now.toISOString(), opener: { sessionId, text } });
    return text;
  }
}

export function settingsJson(s: CompanionSettings) {
  return { character_id: s.characterId, voice: s.voice, speaking_rate: s.speakingRate, call_me: s.callMe, opener: s.opener, country: s.country };
}
