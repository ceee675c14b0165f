/**
 * Which failures are worth retrying. Client mistakes (4xx other than throttling and timeouts) will fail
 * again the same way, so retrying them only adds latency and load.
 */
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "ATTEMPT_TIMEOUT"]);

/** Finds an HTTP status on errors thrown by the OpenAI, Groq and ElevenLabs SDKs (and LangChain's wrappers of them). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as Record<string, unknown>;
  for (const key of ["status", "statusCode", "lc_error_status"]) {
    const value = e[key];
    if (typeof value === "number") return value;
  }
  const response = e.response as Record<string, unknown> | undefined;
  if (response && typeof response.status === "number") return response.status;
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  return e.cause ? codeOf(e.cause) : undefined;
}

export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const code = codeOf(error);
  if (code && TRANSIENT_CODES.has(code)) return true;
  const name = (error as { name?: string } | null)?.name ?? "";
  // SDK connection errors carry no status: the request never got an answer.
  return /Connection|Timeout|AbortError|FetchError/i.test(name) || /fetch failed|socket hang up|network/i.test(String((error as Error)?.message ?? ""));
}

/** Caller mistakes should not open a breaker: the provider itself is fine. */
export function isCallerMistake(error: unknown): boolean {
  const status = statusOf(error);
  return status === 400 || status === 404 || status === 413 || status === 415 || status === 422;
}
