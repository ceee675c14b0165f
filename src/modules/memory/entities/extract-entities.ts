import type { MemoryEntity } from "../types.js";

/**
 * The people, pets and places a memory mentions, by rules that work offline on what people say: "my sister
 * Marguerite", "Marguerite, my sister", "Marguerite's husband Tom", "a dog named Biscuit" / "We got a dog! His
 * name is Biscuit", "moved to Lisbon", and any other capitalised name (a bare mention, which links the memories
 * that name the same one). Deliberately conservative: a name is one to three capitalised words, never a
 * sentence opener, a weekday or a month.
 */

export const RELATIONS = [
  "best friend",
  "boyfriend",
  "girlfriend",
  "husband",
  "wife",
  "partner",
  "fiance",
  "fiancee",
  "sister",
  "brother",
  "mom",
  "mum",
  "mother",
  "dad",
  "father",
  "son",
  "daughter",
  "cousin",
  "aunt",
  "uncle",
  "grandma",
  "grandmother",
  "grandpa",
  "grandfather",
  "niece",
  "nephew",
  "neighbor",
  "neighbour",
  "friend",
  "boss",
  "colleague",
  "coworker",
  "roommate",
  "teacher",
  "therapist",
  "stepmother",
  "stepfather",
  "stepson",
  "stepdaughter",
] as const;
export const PET_KINDS = [
  "dog",
  "puppy",
  "cat",
  "kitten",
  "parrot",
  "rabbit",
  "bunny",
  "hamster",
  "horse",
  "turtle",
  "tortoise",
  "fish",
  "bird",
  "guinea pig",
] as const;

/** Longest first, so "best friend" wins over "friend" and "grandmother" over "mother". */
const alternatives = (words: readonly string[]) => [...words].sort((a, b) => b.length - a.length).join("|");
const RELATION = `(${alternatives(RELATIONS)})`;
const PET = `(${alternatives(PET_KINDS)})`;
const NAME = "([A-Z][\\p{Ll}'-]+(?: [A-Z][\\p{Ll}'-]+){0,2})";
const MAX_NAME_CHARS = 60;

const NOT_NAMES = new Set(
  (
    "I I'm I've I'd I'll Im Ive Mr Mrs Ms Dr The A An And But Or So Yes No Oh Hey Hi Hello Thanks Thank Okay Ok Wow Aww Haha Well Yeah Sure Sorry Please " +
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August September October November December " +
    "My Our His Her Their We He She They It This That These Those There Here What When Where Who Why How Guess Big Life Work Say Tell Let Today Yesterday Tomorrow " +
    "Christmas Easter God Mom Dad Mum Grandma Grandpa LGBTQ English French Spanish German"
  ).split(" "),
);

const isName = (name: string) => name.length <= MAX_NAME_CHARS && !NOT_NAMES.has(name.split(" ")[0]!);

/** A relation word as stored and matched ("Mum" and "mom" are one relation). */
export function canonicalRelation(word: string): string {
  const w = word.toLowerCase();
  const same: Record<string, string> = {
    mum: "mom",
    mother: "mom",
    father: "dad",
    grandmother: "grandma",
    grandfather: "grandpa",
    neighbour: "neighbor",
    puppy: "dog",
    kitten: "cat",
    bunny: "rabbit",
    coworker: "colleague",
    fiancee: "fiance",
  };
  return same[w] ?? w;
}

const PATTERNS: Array<{ pattern: RegExp; entity: (m: RegExpExecArray) => MemoryEntity }> = [
  // "my sister Marguerite", "our dog Biscuit", "my best friend, Sam"
  { pattern: new RegExp(`\\b(?:[Mm]y|[Oo]ur) ${RELATION},? ${NAME}`, "gu"), entity: (m) => ({ name: m[2]!, kind: "person", relation: m[1]! }) },
  { pattern: new RegExp(`\\b(?:[Mm]y|[Oo]ur) ${PET},? ${NAME}`, "gu"), entity: (m) => ({ name: m[2]!, kind: "pet", relation: m[1]! }) },
  // "Marguerite, my sister", "Biscuit, our dog", "Marguerite is my sister"
  { pattern: new RegExp(`${NAME},? (?:is )?(?:my|our) ${RELATION}\\b`, "gu"), entity: (m) => ({ name: m[1]!, kind: "person", relation: m[2]! }) },
  { pattern: new RegExp(`${NAME},? (?:is )?(?:my|our) ${PET}\\b`, "gu"), entity: (m) => ({ name: m[1]!, kind: "pet", relation: m[2]! }) },
  // "Marguerite's husband Tom"
  { pattern: new RegExp(`${NAME}'s ${RELATION},? ${NAME}`, "gu"), entity: (m) => ({ name: m[3]!, kind: "person", relation: m[2]!, of: m[1]! }) },
  // "a dog named Biscuit", "We got a dog! His name is Biscuit", "my sister is called Rosa"
  {
    pattern: new RegExp(`\\b(?:a|an|my|our|the) ${PET}\\b[^.?]{0,40}?\\b(?:named|called|name is) ${NAME}`, "gu"),
    entity: (m) => ({ name: m[2]!, kind: "pet", relation: m[1]! }),
  },
  {
    pattern: new RegExp(`\\b(?:my|our) ${RELATION}\\b[^.?]{0,30}?\\b(?:named|called|name is) ${NAME}`, "gu"),
    entity: (m) => ({ name: m[2]!, kind: "person", relation: m[1]! }),
  },
  // "moved to Lisbon", "live in Porto", "Life in Porto", "a trip to New York"
  {
    pattern: new RegExp(
      `\\b(?:[Ll]ive[sd]?|[Ll]iving|[Mm]oved|[Mm]oving|[Mm]ove|[Bb]ased|[Bb]orn|[Gg]rew up|[Ll]ife|[Tt]rip|[Vv]isit(?:ed|ing)?|[Ff]lew|[Tt]ravel(?:led|ed|ing)?) (?:in|to|from|back to) ${NAME}`,
      "gu",
    ),
    entity: (m) => ({ name: m[1]!, kind: "place" }),
  },
];

/** A speaker label at the start of a transcript line ("Caroline: ...") names who speaks, not whom it is about. */
const SPEAKER_LABEL = /^\s*[A-Z][\p{L}'-]*(?: [A-Z][\p{L}'.-]*)?:\s/u;

export function extractEntities(text: string): MemoryEntity[] {
  const body = text.replace(SPEAKER_LABEL, "");
  const found = new Map<string, MemoryEntity>();
  const keep = (entity: MemoryEntity) => {
    if (!isName(entity.name)) return;
    const relation = entity.relation ? canonicalRelation(entity.relation) : undefined;
    const of = entity.of && isName(entity.of) ? entity.of : undefined;
    const key = `${entity.name.toLowerCase()}|${relation ?? ""}|${of?.toLowerCase() ?? ""}`;
    if (!found.has(key)) found.set(key, { name: entity.name, kind: entity.kind, ...(relation ? { relation } : {}), ...(of ? { of } : {}) });
  };
  for (const { pattern, entity } of PATTERNS) for (const match of body.matchAll(pattern)) keep(entity(match));
  // Bare mentions: capitalised words that are not the first word of a sentence.
  for (const match of body.matchAll(new RegExp(`(?<![.!?]\\s|^|[.!?]"\\s)(?<=\\s|\\()${NAME}`, "gu"))) {
    const name = match[1]!;
    if (!isName(name)) continue;
    if (![...found.values()].some((e) => e.name === name || e.of === name)) found.set(`${name.toLowerCase()}||`, { name, kind: "name" });
  }
  return [...found.values()].slice(0, 20);
}

/**
 * The keys a memory is found by: its entities' names ("name:marguerite"), their kinds ("kind:place") and, for
 * relations, whose ("rel:sister" for the person's own, "rel:marguerite:partner" for someone else's).
 */
export function entityKeys(entities: readonly MemoryEntity[] = []): string[] {
  const keys = new Set<string>();
  for (const e of entities) {
    keys.add(`name:${e.name.toLowerCase()}`);
    if (e.of) keys.add(`name:${e.of.toLowerCase()}`);
    if (e.kind !== "name") keys.add(`kind:${e.kind}`);
    if (e.relation) keys.add(e.of ? `rel:${e.of.toLowerCase()}:${e.relation}` : `rel:${e.relation}`);
  }
  return [...keys];
}
