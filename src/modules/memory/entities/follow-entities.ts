import type { Memory } from "../types.js";
import { canonicalRelation, PET_KINDS, RELATIONS } from "./extract-entities.js";

/** One relation path a question names: "my sister's husband" → [sister, husband]; "Caroline's dog" → owner Caroline, [dog]. */
export interface RelationPath {
  owner?: string;
  relations: string[];
}

const WORDS = [...RELATIONS, ...PET_KINDS].sort((a, b) => b.length - a.length).join("|");
const PATH = new RegExp(`(?:\\b(my|our|[A-Z][\\p{Ll}'-]+)(?:'s|s')? )((?:(?:${WORDS})(?:'s|s')? ?)+)`, "gu");

export function relationPaths(query: string): RelationPath[] {
  const paths: RelationPath[] = [];
  for (const match of query.matchAll(PATH)) {
    const owner = match[1]!;
    const relations = [...match[2]!.matchAll(new RegExp(`\\b(${WORDS})\\b`, "gu"))].map((m) => canonicalRelation(m[1]!));
    if (relations.length === 0) continue;
    paths.push({ ...(/^(my|our)$/i.test(owner) ? {} : { owner }), relations });
  }
  return paths;
}

export interface EntityLookup {
  /** This person's memories carrying any of these entity keys (see entityKeys). */
  byEntities(keys: string[], limit: number): Promise<Memory[]>;
}

export interface FollowedEntities {
  /** The names the question's relations lead to ("my sister's husband" → ["Tom"]). */
  names: string[];
  /** The memories that made each link ("my sister Marguerite", "Marguerite's husband Tom"). */
  links: Memory[];
}

/** Hops a question makes at most ("my cousin's wife's brother" is three). */
const MAX_HOPS = 3;
/** Names one relation can lead to (a person has a few cousins, not hundreds). */
const MAX_NAMES = 6;

/**
 * Follows each relation path through the person's entities: the first relation from the person (or from a named
 * owner, or the owner themself being the person in a third-person question), each next one from the names found.
 */
export async function followEntities(lookup: EntityLookup, query: string, linksLimit: number): Promise<FollowedEntities> {
  const names = new Set<string>();
  const links = new Map<string, Memory>();
  for (const path of relationPaths(query).slice(0, 3)) {
    let from: Array<string | undefined> = path.owner ? [path.owner, undefined] : [undefined];
    for (const relation of path.relations.slice(0, MAX_HOPS)) {
      const keys = from.map((owner) => (owner ? `rel:${owner.toLowerCase()}:${relation}` : `rel:${relation}`));
      const memories = await lookup.byEntities(keys, linksLimit);
      const next = new Set<string>();
      for (const memory of memories) {
        for (const entity of memory.entities ?? []) {
          if (entity.relation !== relation) continue;
          const owner = entity.of?.toLowerCase();
          if (!from.some((f) => (f ? f.toLowerCase() === owner : owner === undefined))) continue;
          next.add(entity.name);
          links.set(memory.id, memory);
        }
      }
      if (next.size === 0) break;
      from = [...next].slice(0, MAX_NAMES);
    }
    if (from.length > 0 && from.every((name) => name !== undefined && name !== path.owner)) for (const name of from) names.add(name!);
  }
  return { names: [...names], links: [...links.values()] };
}
