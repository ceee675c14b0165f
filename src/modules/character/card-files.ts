import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUILT_IN_CARDS_DIR, CardError, type CharacterCard, parseCharacterCard } from "./card.js";

/**
 * Reads every `*.json` card in the folders given (the built-in ones first, then the operator's
 * CHARACTERS_DIR), validating each: a broken card stops the start-up with the file and the field named.
 * A later folder's card replaces a built-in one with the same id (an operator's own Rose).
 */
export function loadCardFolders(folders: string[] = [BUILT_IN_CARDS_DIR]): CharacterCard[] {
  const byId = new Map<string, CharacterCard>();
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(folder).filter((n) => n.endsWith(".json"));
    } catch (error) {
      throw new CardError(`${folder}: cannot read the character folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    for (const name of names.sort()) {
      const path = join(folder, name);
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(path, "utf8"));
      } catch (error) {
        throw new CardError(`${path}: not valid JSON (${(error as Error).message})`);
      }
      const card = parseCharacterCard(value, path);
      byId.set(card.id, card);
    }
  }
  if (byId.size === 0) throw new CardError(`no character cards found in ${folders.join(", ")}`);
  return [...byId.values()];
}
