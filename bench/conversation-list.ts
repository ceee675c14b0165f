/**
 * The conversation list stays cheap: GET /api/v1/sessions reads session rows only (title, preview, count
 * kept there by each saved turn), never a checkpoint. Measured for one person with 10 conversations, with
 * 200, and with 200 of which one has grown long; the figures that matter are the ratios between them.
 */
import { startRose, tempDataDir } from "../tests/helpers/rose-server.js";
import { startSimulator } from "../tests/simulator/server.js";
import { percentile, round } from "./stats.js";

const LISTINGS = 60;
/** Listings not counted: the first requests pay for compiling and caching, not for the rows. */
const WARM_UP = 15;

export async function conversationListBenchmark(longTurns = 100) {
  const sim = await startSimulator();
  sim.script({ match: { system: "name conversations" }, reply: { content: "A day in the garden" } });
  const dir = tempDataDir("rose-bench-list-");
  const server = await startRose(
    { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "bench", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small", RATE_LIMIT_PER_MINUTE: "0" },
    dir.path,
  );
  const { client } = server;
  const converse = async (sessionId: string, message: string) => {
    const { status } = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message });
    if (status !== 200) throw new Error(`a turn answered ${status}`);
  };
  const conversations = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = await client.startSession();
      await converse(id, `Conversation ${i}: I spent the afternoon in the garden.`);
      ids.push(id);
    }
    return ids;
  };
  const listing = async () => {
    const times: number[] = [];
    for (let i = 0; i < LISTINGS + WARM_UP; i++) {
      const started = performance.now();
      const { status } = await client.json("GET", "/api/v1/sessions?limit=30");
      if (status !== 200) throw new Error(`listing answered ${status}`);
      if (i >= WARM_UP) times.push(performance.now() - started);
    }
    return percentile(times, 50);
  };
  try {
    const [first] = await conversations(10);
    const few = await listing();
    await conversations(190);
    const many = await listing();
    for (let turn = 0; turn < longTurns; turn++) await converse(first!, `Turn ${turn}: the basil is doing well and the tomatoes are ripening.`);
    const longThread = await listing();
    return {
      listing_p50_ms_10_conversations: round(few),
      listing_p50_ms_200_conversations: round(many),
      [`listing_p50_ms_200_conversations_one_of_${longTurns * 2 + 2}_messages`]: round(longThread),
      ratio_200_to_10: round(many / few),
      ratio_long_thread_to_200: round(longThread / many),
    };
  } finally {
    await server.stop();
    await sim.close();
    dir.remove();
  }
}
