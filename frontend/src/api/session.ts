import { ApiError } from "./http";

/**
 * The conversation this browser is in, shared by the voice and chat pages so speaking and typing are
 * one thread. Kept in localStorage so a reload picks the conversation up again; the server decides
 * whose it is (by the identity cookie), so a stale or foreign id just means "start fresh".
 */

const KEY = "rose.session_id";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled (private mode, strict settings): the conversation lasts the page
  }
}

/** Only where storage is refused: the conversation then lasts as long as the page. */
let inMemory: string | null = null;

export function currentSessionId(): string | null {
  return storage()?.getItem(KEY) ?? inMemory;
}

export function rememberSessionId(id: string): void {
  const stored = storage();
  try {
    if (stored) return stored.setItem(KEY, id);
  } catch {
    // full or read-only storage: fall through to memory
  }
  inMemory = id;
}

export function forgetSessionId(): void {
  storage()?.removeItem(KEY);
  inMemory = null;
}

/**
 * Runs a turn in the current conversation and remembers the session it ran in (the server starts one
 * when there is none). A session the server no longer knows (deleted, data wiped, another browser
 * profile's cookie) answers 404 before anything streams, so the turn is simply run again in a new one.
 * `run` gets `remember` for the session id the stream names in its first event: a first reply that is
 * interrupted (talked over, the page left) never reaches `done`, and its exchange must not be orphaned.
 */
export async function inCurrentSession<T extends { session_id: string }>(
  run: (sessionId: string | null, remember: (id: string) => void) => Promise<T>,
): Promise<T> {
  const sessionId = currentSessionId();
  let result: T;
  try {
    result = await run(sessionId, rememberSessionId);
  } catch (error) {
    if (!sessionId || !(error instanceof ApiError) || error.status !== 404) throw error;
    forgetSessionId();
    result = await run(null, rememberSessionId);
  }
  rememberSessionId(result.session_id);
  return result;
}
