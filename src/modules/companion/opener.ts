import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { withDeadline } from "../../core/resilience/deadline.js";
import type { LanguageModel } from "../llm/language-model.js";
import type { Memory } from "../memory/types.js";
import { detectCrisisOffline } from "../perception/crisis-rules.js";

/**
 * What Rose may say first when a person comes back: a question about something that mattered to them
 * (an event they mentioned that has now happened, a goal), drawn from their memories. A memory about a
 * crisis is never brought up by name: she checks in gently instead.
 */
const TIME_KEYS = ["occurs_at", "event_at", "happens_at", "when", "date", "at"];
const DAY = 86_400_000;

/** When the remembered event takes place, if the memory knows (the memory layer's times, when present). */
function eventTime(memory: Memory): number | null {
  for (const key of TIME_KEYS) {
    const value = memory.metadata?.[key];
    if (typeof value === "string" && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  }
  return null;
}

/** The memory most worth asking about now: an event whose time has come (or a recent one), else a goal. */
export function memoryToAskAbout(memories: Memory[], now: Date): Memory | null {
  const candidates = memories.filter((m) => m.type === "event" || m.type === "goal");
  const score = (m: Memory) => {
    const at = eventTime(m);
    if (at !== null) return at <= now.getTime() && now.getTime() - at < 30 * DAY ? 3 + m.importance : -1; // not yet, or long past
    const age = now.getTime() - Date.parse(m.createdAt);
    return (m.type === "event" ? 2 : 1) + m.importance - age / (60 * DAY);
  };
  const ranked = candidates.map((m) => ({ m, s: score(m) })).filter((c) => c.s > 0);
  ranked.sort((a, b) => b.s - a.s);
  return ranked[0]?.m ?? null;
}

/** "The user has an interview on Friday." → "you have an interview on Friday". */
export function inSecondPerson(text: string): string {
  const said = text
    .trim()
    .replace(/[.!]+$/, "")
    .replace(/\bthe user's\b/gi, "your")
    .replace(/\bthe user is\b/gi, "you are")
    .replace(/\bthe user has\b/gi, "you have")
    .replace(/\bthe user was\b/gi, "you were")
    .replace(/\bthe user\b/gi, "you")
    .replace(/\bthey are\b/gi, "you are");
  return said.charAt(0).toLowerCase() + said.slice(1);
}

export const CHECK_IN = "I've been thinking about you since we last talked. How are you holding up today?";

const OPENER_PROMPT = `You are a warm companion greeting someone who has come back after a while. Write ONE short spoken sentence or question (at most 25 words) that asks about the thing below, warmly and naturally, as a friend who remembered. No preamble, no quotation marks.`;

export interface OpenerOptions {
  callMe?: string | null;
  model?: LanguageModel | null;
  timeoutMs?: number;
}

/** The opener for a return, or null when there is nothing worth asking about. */
export async function composeOpener(memories: Memory[], now: Date, { callMe, model, timeoutMs = 2000 }: OpenerOptions = {}): Promise<string | null> {
  const memory = memoryToAskAbout(memories, now);
  if (!memory) return null;
  if (detectCrisisOffline(memory.text)) return CHECK_IN;
  const hello = `Welcome back${callMe?.trim() ? `, ${callMe.trim()}` : ""}.`;
  const offline = `${hello} Last time you told me ${inSecondPerson(memory.text)}. ${memory.type === "event" ? "How did it go?" : "How is it going?"}`;
  if (!model) return offline;
  try {
    const text = await withDeadline(timeoutMs, undefined, (signal) =>
      model.invoke([new SystemMessage(OPENER_PROMPT), new HumanMessage(`What they told you: ${memory.text}`)], { signal }),
    );
    const line = text.trim().replace(/^["']|["']$/g, "");
    // A model's answer that is empty, long or itself alarming is not worth the risk: the plain question stands.
    return line && line.length <= 200 && !detectCrisisOffline(line) ? `${hello} ${line}` : offline;
  } catch {
    return offline;
  }
}
