import { newId } from "../../core/ids.js";
import type { CharacterStore, ImportedCharacter } from "../companion/types.js";
import { type CharacterCard, DEFAULT_CHARACTER_ID } from "./card.js";
import { convertCommunityCard } from "./community-card.js";

export interface CharacterListing {
  id: string;
  name: string;
  description: string;
  greeting: string | null;
  /** Built-in characters are everyone's and cannot be deleted; imported ones belong to whoever imported them. */
  built_in: boolean;
  format?: ImportedCharacter["format"];
  created_at?: string;
}

const listing = (card: CharacterCard, builtIn: boolean, imported?: ImportedCharacter): CharacterListing => ({
  id: card.id,
  name: card.name,
  description: card.description.slice(0, 300),
  greeting: card.greetings[0] ?? null,
  built_in: builtIn,
  ...(imported ? { format: imported.format, created_at: imported.createdAt } : {}),
});

/** Every character a person can talk with: the built-in cards (files) and the ones they imported. */
export class CharacterCatalog {
  private readonly builtIns: Map<string, CharacterCard>;

  constructor(
    builtIns: CharacterCard[],
    private readonly store: CharacterStore,
  ) {
    this.builtIns = new Map(builtIns.map((c) => [c.id, c]));
    if (!this.builtIns.has(DEFAULT_CHARACTER_ID)) throw new Error(`the built-in characters must include "${DEFAULT_CHARACTER_ID}"`);
  }

  get defaultCard(): CharacterCard {
    return this.builtIns.get(DEFAULT_CHARACTER_ID)!;
  }

  isBuiltIn(id: string): boolean {
    return this.builtIns.has(id);
  }

  /** The person's character by id (a built-in, or one of their own), else null: someone else's card is unknown. */
  async get(userId: string, id: string): Promise<CharacterCard | null> {
    const builtIn = this.builtIns.get(id);
    if (builtIn) return builtIn;
    return (await this.store.findOwned(userId, id))?.card ?? null;
  }

  async list(userId: string): Promise<CharacterListing[]> {
    const own = await this.store.list(userId);
    return [...[...this.builtIns.values()].map((c) => listing(c, true)), ...own.map((c) => listing(c.card, false, c))];
  }

  /** Validates a Character Card V2/V3 (CardError naming the field when it is not one) and keeps it for this person. */
  async import(userId: string, value: unknown): Promise<CharacterListing> {
    const id = newId();
    const { card, format, source } = convertCommunityCard(value, id);
    const imported: ImportedCharacter = { id, userId, card, format, source, createdAt: new Date().toISOString() };
    await this.store.add(imported);
    return listing(card, false, imported);
  }

  /** True when the person's own imported card was deleted; false when they have none with that id. */
  delete(userId: string, id: string): Promise<boolean> {
    return this.store.delete(userId, id);
  }
}
