import type { Config } from "../../core/config.js";

/**
 * Asks the configured chat provider for its model list: proves the server is reachable and the key is
 * accepted, without spending tokens.
 */
export function chatProviderProbe(config: Config): ((signal: AbortSignal) => Promise<void>) | null {
  const provider = config.llm.provider;
  if (!provider) return null;
  const { url, key } =
    provider === "groq"
      ? { url: `${(config.llm.groq.baseUrl ?? "https://api.groq.com").replace(/\/$/, "")}/openai/v1/models`, key: config.llm.groq.apiKey }
      : { url: `${(config.llm.openai.baseUrl ?? "https://api.openai.com/v1").replace(/\/$/, "")}/models`, key: config.llm.openai.apiKey ?? "not-needed" };
  return async (signal) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`model list answered ${response.status}`);
  };
}
