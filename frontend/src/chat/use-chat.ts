import { useCallback, useEffect, useReducer, useRef } from "react";
import { fetchHistory, type Redo, startSession, stopReply, streamChat } from "../api/chat-api";
import { ApiError, friendlyError } from "../api/http";
import { currentSessionId, forgetSessionId, inCurrentSession, rememberSessionId } from "../api/session";
import { chatReducer, initialChatState } from "./chat-state";

let nextKey = 0;
const newKey = () => `local-${Date.now().toString(36)}-${(nextKey++).toString(36)}`;

/** The chat page's conversation: restores it on load, sends with a streamed reply, stops it, retries, starts anew. */
export function useChat() {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  const inFlight = useRef<AbortController | null>(null);
  /** The reply being written: whose it is (the user message's key) and its session, for Stop. */
  const pending = useRef<{ key: string; sessionId: string | null; controller: AbortController } | null>(null);

  const loadHistory = useCallback(async (signal?: AbortSignal) => {
    const sessionId = currentSessionId();
    if (!sessionId) return;
    dispatch({ type: "history-loading" });
    try {
      const messages = await fetchHistory(sessionId, signal);
      if (messages === null) forgetSessionId(); // the server no longer knows it: start fresh
      dispatch({ type: "history-loaded", messages: messages ?? [] });
    } catch (error) {
      if (signal?.aborted) return;
      dispatch({ type: "history-failed", error: friendlyError(error) });
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void loadHistory(controller.signal);
    return () => {
      controller.abort();
      inFlight.current?.abort();
    };
  }, [loadHistory]);

  const run = useCallback(async (key: string, text: string, redo?: Redo) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    pending.current = { key, sessionId: currentSessionId(), controller };
    // The session the stream named in its first event: the thread to ask if the stream breaks.
    let named: string | null = null;
    try {
      const done = await inCurrentSession((sessionId, remember) =>
        streamChat(
          { sessionId, message: text, redo },
          (token) => dispatch({ type: "token", key, text: token }),
          controller.signal,
          (id) => {
            named = id;
            if (pending.current?.controller === controller) pending.current.sessionId = id;
            remember(id);
          },
        ),
      );
      dispatch({ type: "replied", key, reply: done.reply, fallback: done.fallback, stopped: done.stopped ?? false, at: new Date().toISOString() });
    } catch (error) {
      if (controller.signal.aborted) return;
      const message = friendlyError(error);
      // A lost connection says nothing about the turn: the server finishes it and keeps it in the thread
      // even when the page is no longer listening. Read the thread before offering to send it again, or a
      // retry would put the message (and an answer to it) in the conversation twice.
      const sessionId = error instanceof ApiError && error.isNetwork ? (named ?? currentSessionId()) : null;
      if (sessionId) {
        try {
          const messages = await fetchHistory(sessionId, controller.signal);
          if (controller.signal.aborted) return;
          dispatch({ type: "reconciled", key, messages, error: message });
          return;
        } catch {
          if (controller.signal.aborted) return;
          // still unreachable: all that is known is that the reply did not arrive
        }
      }
      dispatch({ type: "failed", key, error: message });
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
      if (pending.current?.controller === controller) pending.current = null;
    }
  }, []);

  /**
   * Stop: the server is asked to end the generation (it keeps the words so far, marked stopped), and the
   * page stops listening at once, keeping what it shows; a hung model cannot hold the page.
   */
  const stop = useCallback(() => {
    const turn = pending.current;
    if (!turn) return;
    pending.current = null;
    if (turn.sessionId) void stopReply(turn.sessionId);
    turn.controller.abort();
    dispatch({ type: "stopped", key: turn.key });
  }, []);

  const send = useCallback(
    (text: string) => {
      const key = newKey();
      dispatch({ type: "sent", key, text, at: new Date().toISOString() });
      return run(key, text);
    },
    [run],
  );

  /** A message that got no answer, sent again; one that was to replace the last exchange replaces it still. */
  const retry = useCallback(
    (key: string, text: string, redo?: Redo) => {
      dispatch({ type: "retrying", key });
      return run(key, text, redo);
    },
    [run],
  );

  /** A new reply to the last message, replacing Rose's last reply (the server keeps the old one until it is saved). */
  const regenerate = useCallback(
    (text: string) => {
      const key = newKey();
      dispatch({ type: "replacing-last", key, text, redo: "regenerate", at: new Date().toISOString() });
      return run(key, text, "regenerate");
    },
    [run],
  );

  /** The last message, edited and sent again: it and its reply are replaced by `text` and a new reply. */
  const editLast = useCallback(
    (text: string) => {
      const key = newKey();
      dispatch({ type: "replacing-last", key, text, redo: "edit", at: new Date().toISOString() });
      return run(key, text, "edit");
    },
    [run],
  );

  /** Tries a failed reply (Rose's apology for `text`) again: the server replaces that exchange. */
  const retryReply = useCallback(
    (replyEntryKey: string, text: string) => {
      const key = newKey();
      dispatch({ type: "retrying-reply", replyKey: replyEntryKey, key });
      return run(key, text, "retry");
    },
    [run],
  );

  /** A new, empty conversation; the old one stays on the server (and in Rose's memories). */
  const startOver = useCallback(async () => {
    inFlight.current?.abort();
    const { sessionId, opener } = await startSession();
    rememberSessionId(sessionId);
    dispatch(opener ? { type: "opened", key: newKey(), text: opener, at: new Date().toISOString() } : { type: "cleared" });
  }, []);

  const streaming = state.entries.some((e) => e.state === "streaming");
  return { state, streaming, send, stop, retry, retryReply, regenerate, editLast, startOver, reloadHistory: loadHistory };
}
