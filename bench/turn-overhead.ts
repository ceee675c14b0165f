/**
 * Turn overhead: one thread, 500 turns over HTTP against a zero-latency simulator, so what is measured
 * is Rose's own per-turn work (graph, checkpoints, pruning, summarization). Compares turns 10–30 with
 * turns 480–500 and reports the thread's storage at turn 500.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { startRose, tempDataDir } from "../tests/helpers/rose-server.js";
import { startSimulator } from "../tests/simulator/server.js";
import { mean, percentile, round } from "./stats.js";

export async function turnOverheadBenchmark(turns = 500) {
  const sim = await startSimulator();
  sim.script({ match: { system: "concise conversation summaries" }, reply: { content: "The user and Rose talked about many ordinary days." } });
  const dir = tempDataDir("rose-bench-");
  const server = await startRose(
    { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "bench", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small", RATE_LIMIT_PER_MINUTE: "0" },
    dir.path,
  );
  try {
    const sessionId = await server.client.startSession();
    const durations: number[] = [];
    for (let turn = 1; turn <= turns; turn++) {
      const started = performance.now();
      const { status } = await server.client.json("POST", "/api/v1/chat", {
        session_id: sessionId,
        message: `Turn ${turn}: today I watered the basil and thought about my week.`,
      });
      if (status !== 200) throw new Error(`turn ${turn} answered ${status}`);
      durations.push(performance.now() - started);
    }
    await server.rose.turns.drain();
    const early = durations.slice(9, 30);
    const late = durations.slice(turns - 21, turns);
    const threadBytes = await server.rose.threadBytes(sessionId);
    const fileBytes = ["memory.db", "memory.db-wal"].reduce((sum, f) => sum + (statSync(join(dir.path, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    return {
      turns,
      early_mean_ms: round(mean(early)),
      early_p50_ms: round(percentile(early, 50)),
      late_mean_ms: round(mean(late)),
      late_p50_ms: round(percentile(late, 50)),
      late_to_early_ratio: round(mean(late) / mean(early)),
      thread_storage_bytes: threadBytes,
      checkpoint_file_bytes: fileBytes,
    };
  } finally {
    await server.stop();
    await sim.close();
    dir.remove();
  }
}
