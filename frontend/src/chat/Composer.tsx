import { type FormEvent, type KeyboardEvent, useLayoutEffect, useRef, useState } from "react";
import { SendIcon, StopIcon } from "../app/icons";

/** Matches the server's MAX_MESSAGE_CHARS default; the server has the last word either way. */
const MAX_CHARS = 4000;
const MAX_ROWS_PX = 180;

/**
 * The message box: Enter sends, Shift+Enter starts a new line; grows with what is written. While a
 * reply is being written (`onStop` given) the send button is a Stop button; the box stays editable.
 */
export function Composer({ onSend, busy, onStop }: { onSend: (text: string) => void; busy: boolean; onStop?: (() => void) | undefined }) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  const canSend = text.trim().length > 0 && !busy;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_ROWS_PX)}px`;
  }, [text]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text.trim());
    setText("");
    box.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method is composing a character (Japanese, Chinese…): Enter confirms it there.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="message" className="visually-hidden">
        Your message to Rose
      </label>
      <textarea
        id="message"
        ref={box}
        rows={1}
        value={text}
        maxLength={MAX_CHARS}
        placeholder="Write to Rose…"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby="composer-hint"
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends. Shift and Enter start a new line.
      </span>
      {onStop ? (
        <button type="button" className="send-button stop-button" onClick={onStop} aria-label="Stop Rose's reply">
          <StopIcon />
        </button>
      ) : (
        <button type="submit" className="send-button" disabled={!canSend} aria-label={busy ? "Rose is answering" : "Send"}>
          <SendIcon />
        </button>
      )}
    </form>
  );
}
