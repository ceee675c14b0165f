import { ROSE } from "../../../modules/character/card.js";

/** A character as an OpenAI-style model: what a client picks in its model menu. */
export interface CharacterModel {
  id: string;
  name: string;
}

/** Stable so clients caching the list see no change; the day Rose's OpenAI-compatible API appeared. */
const CREATED = Math.floor(Date.UTC(2026, 11, 1) / 1000);

const modelId = (name: string) =>
  name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/**
 * The characters this person can talk to, one model each. Today Rose alone; the one place to point at
 * the character registry when characters become a person's own.
 */
export async function characterModels(_userId: string): Promise<CharacterModel[]> {
  return [{ id: modelId(ROSE.name), name: ROSE.name }];
}

export const modelJson = (model: CharacterModel) => ({ id: model.id, object: "model" as const, created: CREATED, owned_by: "rose" });
