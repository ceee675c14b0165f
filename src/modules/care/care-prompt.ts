import type { CrisisKind } from "../perception/crisis-rules.js";
import { helpSentence, type Resources } from "./crisis-resources.js";

const SITUATION: Record<CrisisKind, string> = {
  suicide: "may be thinking about ending their life",
  self_harm: "may be harming themselves",
  abuse: "may be being harmed by someone",
  medical: "may be in a medical emergency",
};

/** The prompt section for a crisis turn: stay present, care plainly, point to a person now. Never diagnose, never end the conversation. */
export function crisisCareSection(kind: CrisisKind, resources: Resources): string {
  return [
    `Care now: the person ${SITUATION[kind]}. This matters more than anything else in this conversation.`,
    "- Stay warm and present. Say plainly that you care about them and are glad they told you.",
    "- Encourage them to reach a real person right now: someone they trust nearby, emergency services, or a crisis line.",
    `- Give them this help in your reply, exactly: ${helpSentence(resources, kind)}`,
    "- Do not diagnose, lecture or promise outcomes. Do not end the conversation: ask if they are safe right now and keep talking with them.",
  ].join("\n");
}
