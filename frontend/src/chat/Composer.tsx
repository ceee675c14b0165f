import { type ClipboardEvent, type DragEvent, type FormEvent, type KeyboardEvent, useLayoutEffect, useRef, useState } from "react";
import { SendIcon, StopIcon } from "../app/icons";
import { ATTACHABLE_TYPES, type Attachment, MAX_ATTACHMENTS, useAttachments } from "./attachments";
import { PictureIcon } from "./PictureIcon";

/** Matches the server's MAX_MESSAGE_CHARS default; the server has the last word either way. */
const MAX_CHARS = 4000;
const MAX_ROWS_PX = 180;

/**
 * The message box: Enter sends, Shift+Enter starts a new line; grows with what is written. Pictures are
 * attached with the picture button, by pasting or by dropping them on the box, shown as previews that can
 * be removed before sending. While a reply is being written (`onStop` given) the send button is a Stop
 * button; the box stays editable.
 */
export function Composer({
  onSend,
  busy,
  onStop,
}: {
  onSend: (text: string, pictures: Attachment[]) => void;
  busy: boolean;
  onStop?: (() => void) | undefined;
}) {
  const [text, setText] = useState("");
  const [dragging, setDragging] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const { attachments, problem, add, remove, take } = useAttachments();
  const canSend = (text.trim().length > 0 || attachments.length > 0) && !busy;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_ROWS_PX)}px`;
  }, [text]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(text.trim(), take());
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

  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    if (files.length === 0) return; // plain text pastes as usual
    event.preventDefault();
    add(files);
  };

  const onDrop = (event: DragEvent<HTMLFormElement>) => {
    if (event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    setDragging(false);
    add([...event.dataTransfer.files]);
  };

  const onDragOver = (event: DragEvent<HTMLFormElement>) => {
    if (![...event.dataTransfer.types].includes("Files")) return;
    event.preventDefault();
    setDragging(true);
  };

  const full = attachments.length >= MAX_ATTACHMENTS;

  return (
    <form
      className={`composer${dragging ? " composer-dropping" : ""}`}
      onSubmit={submit}
      onDragOver={onDragOver}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {(attachments.length > 0 || problem) && (
        <div className="composer-attachments">
          {attachments.length > 0 && (
            <ul className="attachment-previews" aria-label="Pictures to send">
              {attachments.map((a, i) => (
                <li key={a.key} className="attachment-preview">
                  <img src={a.preview} alt={`Picture ${i + 1} to send`} />
                  <button type="button" className="attachment-remove" onClick={() => remove(a.key)} aria-label={`Remove picture ${i + 1}`}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          {problem && (
            <p className="attachment-problem" role="alert">
              {problem}
            </p>
          )}
        </div>
      )}
      <input
        ref={picker}
        type="file"
        accept={ATTACHABLE_TYPES.join(",")}
        multiple
        hidden
        data-testid="picture-input"
        onChange={(e) => {
          add([...(e.target.files ?? [])]);
          e.target.value = ""; // the same picture can be picked again after removing it
        }}
      />
      <button
        type="button"
        className="attach-button"
        onClick={() => picker.current?.click()}
        disabled={full}
        aria-label={full ? `At most ${MAX_ATTACHMENTS} pictures per message` : "Attach a picture"}
      >
        <PictureIcon />
      </button>
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
        onPaste={onPaste}
        aria-describedby="composer-hint"
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends. Shift and Enter start a new line. You can paste or drop pictures here.
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
