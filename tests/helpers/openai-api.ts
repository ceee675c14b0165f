import Database from "better-sqlite3";
import { join } from "node:path";
import OpenAI from "openai";
import type { ApiClient } from "./api-client.js";
import type { RunningRose } from "./rose-server.js";

/** Chat on the provider simulator's OpenAI-compatible endpoint; no rate limits; espeak-ng voice. */
export const openAiTestEnv = (openaiBaseUrl: string, extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "1",
  ...extra,
});

/** Creates an API key for the person behind `client` (their identity cookie) through Rose's own API. */
export async function createApiKey(client: ApiClient, name = "test program"): Promise<{ id: string; secret: string }> {
  const { status, body } = await client.json<{ id: string; secret: string }>("POST", "/api/v1/me/api-keys", { name });
  if (status !== 201) throw new Error(`POST /api/v1/me/api-keys answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** OpenAI's official client pointed at Rose's /v1, with no retries (a refusal must be seen as it is). */
export const openAiClient = (server: RunningRose, apiKey: string) => new OpenAI({ apiKey, baseURL: `${server.url}/v1`, maxRetries: 0 });

/** Rows of a table in the server's SQLite database (read-only), to prove what a refused request did not store. */
export function countRows(server: RunningRose, table: string): number {
  const db = new Database(join(server.dataDir, "memory.db"), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}
