import { END, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import type { GraphDeps } from "./deps.js";
import { shouldSummarize } from "./edges.js";
import { createContextInjectionNode } from "./nodes/context-injection.js";
import { createGenerateNode } from "./nodes/generate.js";
import { createMemoryExtractionNode } from "./nodes/memory-extraction.js";
import { createMemoryInjectionNode } from "./nodes/memory-injection.js";
import { createPerceiveNode } from "./nodes/perceive.js";
import { createRouterNode } from "./nodes/router.js";
import { createSummarizeNode } from "./nodes/summarize.js";
import { RoseState } from "./state.js";

export const NODE_NAMES = ["memory_extraction", "router", "context_injection", "generate", "memory_injection", "summarize"] as const;

/**
 * The turn: memory_extraction → router → context_injection → generate → memory_injection → (summarize),
 * with perceive (the person's feeling, crisis check, the companion's state) running beside
 * memory_extraction, so reading the person costs the reply no extra round trip. Compiled once at start-up.
 */
export function buildGraph(deps: GraphDeps, checkpointer: BaseCheckpointSaver) {
  /** Records each node's duration, so a slow turn can be traced to the node that made it slow. */
  const timed =
    <A extends unknown[], R>(name: string, node: (...args: A) => R | Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await node(...args);
      } finally {
        deps.metrics?.nodeDuration.observe({ node: name }, (performance.now() - started) / 1000);
      }
    };
  return new StateGraph(RoseState)
    .addNode("memory_extraction", timed("memory_extraction", createMemoryExtractionNode(deps)))
    .addNode("perceive", timed("perceive", createPerceiveNode(deps)))
    .addNode("router", timed("router", createRouterNode(deps)))
    .addNode("context_injection", timed("context_injection", createContextInjectionNode(deps)))
    .addNode("generate", timed("generate", createGenerateNode(deps)))
    .addNode("memory_injection", timed("memory_injection", createMemoryInjectionNode(deps)))
    .addNode("summarize", timed("summarize", createSummarizeNode(deps)))
    .addEdge(START, "memory_extraction")
    .addEdge(START, "perceive")
    .addEdge(["memory_extraction", "perceive"], "router")
    .addEdge("router", "context_injection")
    .addEdge("context_injection", "generate")
    .addEdge("generate", "memory_injection")
    .addConditionalEdges("memory_injection", shouldSummarize(deps.summary.trigger), ["summarize", END])
    .addEdge("summarize", END)
    .compile({ checkpointer });
}

export type RoseGraph = ReturnType<typeof buildGraph>;
