import { isProviderError, statusOf } from "./provider-error.js";

export { statusOf } from "./provider-error.js";

/**
 * Which failures are worth retrying. Providers say so themselves (a ProviderError knows whether it is
 * retryable); for anything else (a client that does not translate its errors yet) this falls back to
 * reading the status and the error's shape. Client mistakes (4xx other than throttling and timeouts)
 * will fail again the same way, so retrying them only adds latency and load.
 */
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529]);
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "ATTEMPT_TIMEOUT",
]);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  return e.cause ? codeOf(e.cause) : undefined;
}

export function isTransient(error: unknown): boolean {
  if (isProviderError(error)) return error.retryable;
  const status = statusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const code = codeOf(error);
  if (code && TRANSIENT_CODES.has(code)) return true;
  const name = `${(error as { constructor?: { name?: string } } | null)?.constructor?.name ?? ""} ${(error as { name?: string } | null)?.name ?? ""}`;
  // SDK connection errors carry no status: the request never got an answer.
  return /Connection|Timeout|AbortError|FetchError/i.test(name) || /fetch failed|socket hang up|network/i.test(String((error as Error)?.message ?? ""));
}

const CALLER_MISTAKE_STATUS = new Set([400, 404, 413, 415, 422]);

/** Caller mistakes should not open a breaker: the provider itself is fine. */
export function isCallerMistake(error: unknown): boolean {
  if (isProviderError(error))
    return error.kind === "unreadable_input" || (error.kind === "client" && error.status !== undefined && CALLER_MISTAKE_STATUS.has(error.status));
  const status = statusOf(error);
  return status !== undefined && CALLER_MISTAKE_STATUS.has(status);
}
