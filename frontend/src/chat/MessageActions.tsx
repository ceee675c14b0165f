import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { fullTimeLabel, timeLabel } from "./times";

/** How long "Copied" stays after a copy (it is announced once, politely, either way). */
const COPIED_MS = 2_000;

/** Copies a message's words (as written, Markdown included) and says so, politely, to screen readers too. */
export function CopyButton({ text }: { text: string }) {
  const [said, setSaid] = useState<string>("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    clearTimeout(timer.current);
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      setSaid("Copied");
    } catch {
      setSaid("Couldn't copy");
    }
    timer.current = setTimeout(() => setSaid(""), COPIED_MS);
  };

  return (
    <>
      <button type="button" className="message-action" onClick={() => void copy()}>
        Copy
      </button>
      {/* Always in the page, so the change is announced (a live region added with its text often is not). */}
      <span className="message-action-status" role="status">
        {said}
      </span>
    </>
  );
}

/** A message's time, shown short, full on hover and to assistive technology through the time element. */
export function MessageTime({ at }: { at: string }) {
  const label = timeLabel(at);
  if (!label) return null;
  return (
    <time className="message-time" dateTime={at} title={fullTimeLabel(at)}>
      {label}
    </time>
  );
}

/**
 * The person's last message, edited in place: Enter (or Send) sends it again, replacing the last exchange;
 * Shift+Enter starts a new line; Escape (or Cancel) leaves it as it was.
 */
export function EditMessage({ text, onSend, onCancel }: { text: string; onSend: (text: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(text);
  const box = useRef<HTMLTextAreaElement>(null);
  const canSend = draft.trim().length > 0;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (canSend) onSend(draft.trim());
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="bubble-edit" onSubmit={submit}>
      <label htmlFor="edit-message" className="visually-hidden">
        Edit your message
      </label>
      <textarea
        id="edit-message"
        ref={box}
        rows={3}
        value={draft}
        maxLength={4000}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby="edit-hint"
      />
      <span id="edit-hint" className="visually-hidden">
        Enter sends it again, and Rose answers anew. Escape cancels.
      </span>
      <div className="bubble-edit-buttons">
        <button type="button" className="button small quiet" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button small" disabled={!canSend}>
          Send again
        </button>
      </div>
    </form>
  );
}
