import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { MEMORY_ANALYSIS_PROMPT } from "../character/prompts.js";
import type { LanguageModel } from "../llm/language-model.js";
import { MEMORY_TYPES, type Memory } from "./types.js";

export const memoryDecisionSchema = z.object({
  action: z
    .enum(["nothing", "add", "update"])
    .describe("nothing: not worth remembering or already known; add: a new memory; update: replaces a remembered fact that changed"),
  memory: z.string().describe("the memory as one short third-person sentence about the user; empty when action is nothing"),
  type: z.enum(MEMORY_TYPES).describe("what kind of memory it is"),
  importance: z.number().min(0).max(1).describe("0 trivial .. 1 life-defining"),
  replaces_id: z.string().describe("for update: the id of the remembered memory it replaces; otherwise empty"),
});

export type MemoryDecision = z.infer<typeof memoryDecisionSchema>;

function describeKnown(memories: Memory[]): string {
  if (memories.length === 0) return "Already remembered: nothing yet.";
  return `Already remembered:\n${memories.map((m) => `- [${m.id}] ${m.text}`).join("\n")}`;
}

/** Asks the small model whether the message holds something worth remembering, given what is already known. */
export async function analyseForMemory(model: LanguageModel, message: string, known: Memory[], signal?: AbortSignal): Promise<MemoryDecision> {
  const decision = await model
    .structured(memoryDecisionSchema, "memory_analysis")
    .invoke([new SystemMessage(`${MEMORY_ANALYSIS_PROMPT}\n\n${describeKnown(known)}`), new HumanMessage(message)], signal ? { signal } : {});
  const text = decision.memory.trim();
  if (decision.action !== "nothing" && text === "") return { ...decision, action: "nothing" };
  // An update must name one of the memories we showed; anything else is treated as a new memory.
  if (decision.action === "update" && !known.some((m) => m.id === decision.replaces_id)) return { ...decision, action: "add", memory: text };
  return { ...decision, memory: text };
}
