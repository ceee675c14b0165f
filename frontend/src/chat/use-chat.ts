import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { fetchHistory, type Redo, startSession, stopReply, streamChat } from "../api/chat-api";
import { ApiError, friendlyError } from "../api/http";
import { currentSessionId, forgetSessionId, inCurrentSession, rememberSessionId } from "../api/session";
import type { Attachment } from "./attachments";
import { chatReducer, initialChatState } from "./chat-state";

let nextKey = 0;
const newKey = () => `local-${Date.now().toString(36)}-${(nextKey++).toString(36)}`;

/** The chat page's conversation: restores it on load, sends with a streamed reply, stops it, retries, starts anew. */
export function useChat() {
  const [state, dispatch] = useReducer(chatReducer, initialChatState);
  /** The conversation on screen (null: none yet, the next message starts one). */
  const [sessionId, setSessionId] = useState<string | null>(() => currentSessionId());
  /** Counts what changes the conversation list: replies saved, conversations started. */
  const [changes, setChanges] = useState(0);
  const inFlight = useRef<AbortController | null>(null);
  const historyLoad = useRef<AbortController | null>(null);
  /** The reply being written: whose it is (the user message's key) and its session, for Stop. */
  const pending = useRef<{ key: string; sessionId: string | null; controller: AbortController } | null>(null);
  /** Pictures of messages not yet answered, by message key: a Try again sends them again. */
  const unsent = useRef(new Map<string, Attachment[]>());

  /** Reads the current conversation's thread; a newer load (another conversation opened) supersedes it. */
  const loadHistory = useCallback(async () => {
    historyLoad.current?.abort();
    const id = currentSessionId();
    if (!id) return;
    const controller = new AbortController();
    historyLoad.current = controller;
    const signal = controller.signal;
    dispatch({ type: "history-loading" });
    try {
      const messages = await fetchHistory(id, signal);
      if (signal.aborted) return;
      if (messages === null) {
        forgetSessionId(); // the server no longer knows it: start fresh
        setSessionId(null);
      }
      dispatch({ type: "history-loaded", messages: messages ?? [] });
    } catch (error) {
      if (signal.aborted) return;
      dispatch({ type: "history-failed", error: friendlyError(error) });
    }
  }, []);

  useEffect(() => {
    void loadHistory();
    return () => {
      historyLoad.current?.abort();
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
          { sessionId, message: text, redo, pictures: unsent.current.get(key)?.map((a) => a.file) },
          (token) => dispatch({ type: "token", key, text: token }),
          controller.signal,
          (id) => {
            named = id;
            if (pending.current?.controller === controller) pending.current.sessionId = id;
            remember(id);
            setSessionId(id);
          },
        ),
      );
      dispatch({
        type: "replied",
        key,
        reply: done.reply,
        fallback: done.fallback,
        stopped: done.stopped ?? false,
        at: new Date().toISOString(),
        ...(done.attached_images ? { attachedImages: done.attached_images } : {}),
        ...(done.images ? { images: done.images } : {}),
        ...(done.images_seen === false ? { imagesSeen: false } : {}),
      });
      // The server's copies are shown now: the local previews can go.
      unsent.current.get(key)?.forEach((a) => URL.revokeObjectURL(a.preview));
      unsent.current.delete(key);
      setSessionId(done.session_id);
      setChanges((n) => n + 1);
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
    (text: string, pictures: Attachment[] = []) => {
      const key = newKey();
      if (pictures.length > 0) unsent.current.set(key, pictures);
      dispatch({ type: "sent", key, text, at: new Date().toISOString(), images: pictures.map((a) => a.preview) });
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
    historyLoad.current?.abort();
    const { sessionId: id, opener } = await startSession();
    rememberSessionId(id);
    setSessionId(id);
    setChanges((n) => n + 1);
    dispatch(opener ? { type: "opened", key: newKey(), text: opener, at: new Date().toISOString() } : { type: "cleared" });
  }, []);

  /**
   * Opens another conversation and reads its history. A reply still being written in the one left is
   * not stopped: the server finishes and keeps it, to read when the person comes back to it.
   */
  const switchTo = useCallback(
    (id: string) => {
      inFlight.current?.abort();
      pending.current = null;
      rememberSessionId(id);
      setSessionId(id);
      dispatch({ type: "cleared" });
      void loadHistory();
    },
    [loadHistory],
  );

  /** The conversation on screen was deleted: the page is empty, and the next message starts a new one. */
  const leaveDeleted = useCallback(() => {
    inFlight.current?.abort();
    historyLoad.current?.abort();
    pending.current = null;
    forgetSessionId();
    setSessionId(null);
    dispatch({ type: "cleared" });
  }, []);

  const streaming = state.entries.some((e) => e.state === "streaming");
  return {
    state,
    streaming,
    sessionId,
    changes,
    send,
    stop,
    retry,
    retryReply,
    regenerate,
    editLast,
    startOver,
    switchTo,
    leaveDeleted,
    reloadHistory: loadHistory,
  };
}
