import { API, ApiError, apiErrorFrom, localTimezone, requestJson } from "./http";

export interface Character {
  id: string;
  name: string;
  description: string;
  greeting: string | null;
  built_in: boolean;
  format?: string;
}

export interface CompanionSettings {
  character_id: string;
  voice: string | null;
  speaking_rate: number;
  call_me: string | null;
  opener: boolean;
  country: string | null;
}

export interface CompanionView {
  character: { id: string; name: string };
  mood: { feeling: string; valence: number; arousal: number };
  energy: number;
  bond: number;
  bond_stage: "new" | "familiar" | "close" | "deep";
  exchanges: number;
  settings: CompanionSettings;
  voices: { provider: string; available: string[] } | null;
}

export function fetchCompanion(): Promise<CompanionView> {
  const timezone = localTimezone();
  return requestJson<CompanionView>("GET", `/companion${timezone ? `?timezone=${encodeURIComponent(timezone)}` : ""}`);
}

export async function fetchCharacters(): Promise<Character[]> {
  return (await requestJson<{ characters: Character[] }>("GET", "/characters")).characters;
}

export async function saveSettings(settings: Partial<CompanionSettings>): Promise<CompanionSettings> {
  return (await requestJson<{ settings: CompanionSettings }>("PUT", "/companion/settings", settings)).settings;
}

export function deleteCharacter(id: string): Promise<void> {
  return requestJson<void>("DELETE", `/characters/${encodeURIComponent(id)}`);
}

/** Imports a Character Card V2/V3 file (PNG with the card inside, or JSON) as multipart `card`. */
export async function importCharacter(file: File): Promise<Character> {
  const form = new FormData();
  form.append("card", file, file.name);
  let response: Response;
  try {
    response = await fetch(`${API}/characters`, { method: "POST", body: form, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "Rose can't be reached right now.");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw apiErrorFrom(response.status, body);
  return (body as { character: Character }).character;
}
