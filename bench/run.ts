/** `npm run bench`: runs every benchmark and prints its figures as JSON. */
import { conversationListBenchmark } from "./conversation-list.js";
import { loadBenchmark } from "./load.js";
import { memoryQualityBenchmark } from "./memory-quality.js";
import { memoryBenchmark } from "./memory-search.js";
import { turnOverheadBenchmark } from "./turn-overhead.js";
import { voiceLatencyBenchmark } from "./voice-latency.js";

const benchmarks: Record<string, () => Promise<unknown>> = {
  "turn overhead (500 turns, zero-latency simulator)": () => turnOverheadBenchmark(Number(process.env.BENCH_TURNS ?? 500)),
  "long-term memory (embedded store)": () => memoryBenchmark(),
  "memory-quality (evidence recall on generated long conversations; search latency at 100k memories over 1,000 people)": () => memoryQualityBenchmark(),
  "load (50 sessions, 60 s, 1% provider failures)": () => loadBenchmark({ seconds: Number(process.env.BENCH_LOAD_SECONDS ?? 60) }),
  "conversations (listing cost with 10 and 200 conversations, and with one long thread)": () => conversationListBenchmark(),
  "voice latency (time to first audio: streaming vs serial vs physical limit)": () => voiceLatencyBenchmark(Number(process.env.BENCH_VOICE_ITERATIONS ?? 7)),
};

const only = process.argv[2];
for (const [name, run] of Object.entries(benchmarks)) {
  if (only && !name.includes(only)) continue;
  console.log(`\n## ${name}`);
  console.log(JSON.stringify(await run(), null, 2));
}
