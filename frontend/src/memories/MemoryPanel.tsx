import { AnimatePresence, m } from "framer-motion";
import { useEffect, useRef, useState } from "react";
import { CloseIcon, SearchIcon } from "../app/icons";
import { memoriesExportUrl, type Memory } from "../api/memories-api";
import { useDialogFocus } from "./use-dialog-focus";
import { useMemories } from "./use-memories";

const TYPE_LABELS: Record<string, string> = {
  fact: "About you",
  preference: "Likes",
  feeling: "Feelings",
  goal: "Hopes",
  person: "People",
  event: "Moments",
};

/** Waits for typing to pause before searching, so every keystroke is not a request. */
function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

function rememberedOn(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) });
}

/** "What Rose remembers": reachable from every page; a side sheet on wide screens, a full sheet on phones. */
export function MemoryPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  return <AnimatePresence>{open && <MemoryDialog key="memories" onClose={onClose} />}</AnimatePresence>;
}

function MemoryDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [confirming, setConfirming] = useState(false);
  const settledQuery = useSettled(query, 250);
  const memories = useMemories(settledQuery);
  const dialog = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const forgetAllButton = useRef<HTMLButtonElement>(null);

  useDialogFocus(dialog, search, () => (confirming ? setConfirming(false) : onClose()));

  useEffect(() => {
    // The safe choice gets focus: a stray Enter keeps the memories.
    if (confirming) keepButton.current?.focus();
  }, [confirming]);

  const cancelConfirm = () => {
    setConfirming(false);
    requestAnimationFrame(() => forgetAllButton.current?.focus());
  };

  const forgetEverything = async () => {
    if (await memories.forgetEverything()) setConfirming(false);
    search.current?.focus();
  };

  const searching = settledQuery.trim() !== "";
  const empty = !memories.loading && !memories.loadError && memories.memories.length === 0;

  return (
    <>
      <m.div className="scrim" onClick={onClose} initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }} transition={{ duration: 0.25 }} />
      <m.div
        ref={dialog}
        className="memory-panel"
        role="dialog"
        aria-modal="true"
        aria-labelledby="memories-title"
        aria-describedby="memories-about"
        tabIndex={-1}
        initial={{ x: "100%", opacity: 0.6 }}
        animate={{ x: 0, opacity: 1 }}
        exit={{ x: "100%", opacity: 0.6 }}
        transition={{ type: "spring", stiffness: 260, damping: 32 }}
      >
        {/* Not <header>/<footer>: outside <main> they would be a second page banner and content info. */}
        <div className="panel-header">
          <div>
            <h2 id="memories-title">What Rose remembers</h2>
            <p id="memories-about" className="panel-about">
              Things you've shared that Rose keeps, so she can know you better. You decide what stays.
            </p>
          </div>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close what Rose remembers">
            <CloseIcon />
          </button>
        </div>

        <div className="search">
          <SearchIcon className="search-icon" />
          <label htmlFor="memory-search" className="visually-hidden">
            Search what Rose remembers
          </label>
          <input
            id="memory-search"
            ref={search}
            type="search"
            placeholder="Search her memories"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            autoComplete="off"
          />
        </div>

        <p className="visually-hidden" role="status">
          {memories.announcement}
        </p>
        {memories.actionError && (
          <p className="banner banner-error" role="alert">
            {memories.actionError}
          </p>
        )}

        <div className="memory-body" aria-busy={memories.loading}>
          {memories.loading && memories.memories.length === 0 && <p className="panel-quiet">Gathering her memories…</p>}
          {memories.loadError && (
            <div className="banner banner-error" role="alert">
              <span>Rose's memories couldn't be opened. {memories.loadError}</span>
              <button type="button" className="button small" onClick={() => void memories.reload()}>
                Try again
              </button>
            </div>
          )}
          {empty &&
            (searching ? (
              <p className="panel-quiet">Nothing Rose remembers matches "{settledQuery.trim()}".</p>
            ) : (
              <div className="memory-empty">
                <p className="memory-empty-title">Nothing yet</p>
                <p>As you talk, Rose will keep the things that matter to you here: the people in your life, what you love, what you're hoping for.</p>
              </div>
            ))}
          <ul className="memory-list" aria-label={searching ? "Matching memories" : "Memories"}>
            <AnimatePresence initial={false}>
              {memories.memories.map((memory) => (
                <MemoryItem key={memory.id} memory={memory} onForget={() => void memories.forget(memory)} />
              ))}
            </AnimatePresence>
          </ul>
        </div>

        <div className="panel-footer">
          {confirming ? (
            <div className="confirm" role="group" aria-labelledby="confirm-text">
              <p id="confirm-text">
                Forget all {memories.total === 1 ? "1 memory" : `${memories.total} memories`}? Rose won't be able to recall any of them, and this can't be
                undone.
              </p>
              <div className="confirm-actions">
                <button type="button" className="button danger" onClick={() => void forgetEverything()}>
                  Yes, forget everything
                </button>
                <button type="button" ref={keepButton} className="button quiet" onClick={cancelConfirm}>
                  Keep them
                </button>
              </div>
            </div>
          ) : (
            <div className="footer-row">
              <p className="memory-count">{memories.total === 1 ? "1 memory" : `${memories.total} memories`}</p>
              <a className="text-link" href={memoriesExportUrl} download="rose-memories.jsonl">
                Save a copy
              </a>
              <button
                type="button"
                ref={forgetAllButton}
                className="button small quiet danger-text"
                onClick={() => setConfirming(true)}
                disabled={memories.total === 0 || searching}
              >
                Forget everything
              </button>
            </div>
          )}
        </div>
      </m.div>
    </>
  );
}

function MemoryItem({ memory, onForget }: { memory: Memory; onForget: () => void }) {
  return (
    <m.li
      className="memory"
      initial={{ opacity: 0, y: 6 }}
      animate={{ opacity: 1, y: 0 }}
      exit={{ opacity: 0, height: 0, marginBottom: 0, paddingTop: 0, paddingBottom: 0 }}
      transition={{ duration: 0.25 }}
    >
      <p className="memory-text">{memory.text}</p>
      <div className="memory-meta">
        <span className={`chip chip-${memory.type}`}>{TYPE_LABELS[memory.type] ?? memory.type}</span>
        <time dateTime={memory.created_at}>{rememberedOn(memory.created_at)}</time>
        <button type="button" className="button small quiet forget" onClick={onForget} aria-label={`Forget: ${memory.text}`}>
          Forget
        </button>
      </div>
    </m.li>
  );
}
