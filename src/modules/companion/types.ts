import type { CharacterCard } from "../character/card.js";
import type { CompanionState } from "./state.js";

/** What a person chose for their companion. */
export interface CompanionSettings {
  characterId: string;
  /** A voice of the configured speech provider, or null for the character's own. */
  voice: string | null;
  /** 0.5..2: the pace of her voice (1 is her normal pace). */
  speakingRate: number;
  /** What she calls the person, or null for nothing in particular. */
  callMe: string | null;
  /** Whether she may open a conversation herself when the person returns. */
  opener: boolean;
  /** ISO 3166-1 country for crisis lines, or null (then the time zone hints at it). */
  country: string | null;
}

export const DEFAULT_SETTINGS = (characterId: string): CompanionSettings => ({
  characterId,
  voice: null,
  speakingRate: 1,
  callMe: null,
  opener: true,
  country: null,
});

/** Settings and the companion's state per person and character. */
export interface CompanionStore {
  settings(userId: string): Promise<CompanionSettings | null>;
  saveSettings(userId: string, settings: CompanionSettings): Promise<void>;
  state(userId: string, characterId: string): Promise<CompanionState | null>;
  saveState(userId: string, characterId: string, state: CompanionState): Promise<void>;
  /** When a character is deleted, its state with everyone goes too. */
  forgetCharacter(characterId: string): Promise<void>;
  exportUser(userId: string): Promise<{ settings: CompanionSettings | null; states: Array<{ character_id: string; state: CompanionState }> }>;
  eraseUser(userId: string): Promise<void>;
}

/** A card a person imported: theirs alone. `source` is the card exactly as uploaded (unknown fields kept). */
export interface ImportedCharacter {
  id: string;
  userId: string;
  card: CharacterCard;
  format: "chara_card_v2" | "chara_card_v3";
  source: Record<string, unknown>;
  createdAt: string;
}

export interface CharacterStore {
  add(character: ImportedCharacter): Promise<void>;
  list(userId: string): Promise<ImportedCharacter[]>;
  findOwned(userId: string, id: string): Promise<ImportedCharacter | null>;
  delete(userId: string, id: string): Promise<boolean>;
  exportUser(userId: string): Promise<ImportedCharacter[]>;
  eraseUser(userId: string): Promise<void>;
}
