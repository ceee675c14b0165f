import { END } from "@langchain/langgraph";
import type { RoseStateType } from "./state.js";

/** After the memory is stored: summarize only once the thread has grown past the trigger. */
export function shouldSummarize(trigger: number) {
  return (state: RoseStateType): "summarize" | typeof END => (state.messages.length > trigger ? "summarize" : END);
}
