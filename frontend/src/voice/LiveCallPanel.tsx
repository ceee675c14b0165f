import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import "../styles/live-call.css";
import { canCallLive, LiveCall, type LiveCallSnapshot, type LiveLine } from "./live-call";

const STATUS: Record<LiveCallSnapshot["status"], string> = {
  connecting: "Calling Rose…",
  listening: "Rose is listening. Just talk.",
  hearing: "Rose is hearing you…",
  thinking: "Rose is thinking…",
  speaking: "Rose is speaking. Talk to interrupt her.",
  ended: "Call ended.",
  failed: "The live call is unavailable here: use the circle above to talk instead.",
};

/**
 * What a screen reader hears of the call, politely: that it is on or over (not every turn's listening /
 * thinking / speaking, which would chatter), and each line once it is settled. Partial transcripts and a
 * reply still being written are never announced; they change many times a second.
 */
function callAnnouncement(status: LiveCallSnapshot["status"]): string {
  if (status === "connecting" || status === "ended" || status === "failed") return STATUS[status];
  return "You are on a call with Rose. Just talk; she answers when you pause.";
}

function lineAnnouncement(line: LiveLine): string {
  if (line.who === "you") return `You said: ${line.text}`;
  return line.interrupted ? `Rose, interrupted: ${line.text}` : `Rose: ${line.text}`;
}

function PhoneIcon() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M6.6 3.5h2.6l1.5 4-2 1.3a11 11 0 0 0 6.5 6.5l1.3-2 4 1.5v2.6a2 2 0 0 1-2.1 2A16.5 16.5 0 0 1 4.6 5.6a2 2 0 0 1 2-2.1z" strokeLinejoin="round" />
    </svg>
  );
}

export interface LiveCallViewProps {
  snapshot: LiveCallSnapshot;
  onInterrupt: () => void;
  onEnd: () => void;
}

/** The running call: its state, the transcript so far, and the way out. Pure: everything comes from the snapshot. */
export function LiveCallView({ snapshot, onInterrupt, onEnd }: LiveCallViewProps) {
  const transcript = useRef<HTMLOListElement>(null);
  const endButton = useRef<HTMLButtonElement>(null);
  // Keyboard and screen-reader users land on the call's one essential control when it opens.
  useEffect(() => endButton.current?.focus(), []);
  // Newest words in view, unless the person scrolled up to read back.
  const following = useRef(true);
  useLayoutEffect(() => {
    const list = transcript.current;
    if (list && following.current) list.scrollTop = list.scrollHeight;
  }, [snapshot.lines]);

  const { status, lines } = snapshot;
  const lastSettled = lines.findLastIndex((line) => line.settled);
  const active = status !== "ended" && status !== "failed";
  return (
    <div className="live-call" data-status={status}>
      <div className="live-call-bar">
        <p className="live-call-status">
          <span className="live-call-dot" aria-hidden="true" />
          {STATUS[status]}
        </p>
        <div className="live-call-actions">
          {status === "speaking" && (
            <button type="button" className="button quiet small" onClick={onInterrupt}>
              Stop Rose
            </button>
          )}
          <button ref={endButton} type="button" className={active ? "button small live-call-end" : "button quiet small"} onClick={onEnd}>
            {active && <PhoneIcon />}
            {active ? "End call" : "Close"}
          </button>
        </div>
      </div>
      {snapshot.error && <p className="live-call-error">{snapshot.error}</p>}
      {lines.length === 0 ? (
        <p className="live-call-empty">
          {status === "connecting" ? "Connecting…" : "Say hello whenever you're ready. Your words and Rose's will appear here."}
        </p>
      ) : (
        // Scrolls within itself on a long call, so it takes focus for keyboard scrolling; it is not a live region.
        <ol
          ref={transcript}
          className="live-call-transcript"
          aria-label="The call so far"
          tabIndex={0}
          onScroll={(event) => {
            const list = event.currentTarget;
            following.current = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
          }}
        >
          {lines.map((line, i) => (
            <li
              key={i}
              className={`live-line ${line.who}${line.settled ? "" : " partial"}${line.interrupted ? " interrupted" : ""}`}
              aria-busy={line.settled ? undefined : true}
            >
              {/* Read as "Rose, interrupted: …"; drawn as a small label with a tag above the words. */}
              <span className="live-line-who">
                {line.who === "you" ? "You" : "Rose"}
                {line.interrupted && (
                  <>
                    <span className="visually-hidden">, </span>
                    <span className="live-line-mark">interrupted</span>
                  </>
                )}
                <span className="visually-hidden">: </span>
              </span>
              <span className="live-line-text">{line.text}</span>
            </li>
          ))}
        </ol>
      )}
      <div className="visually-hidden" aria-live="polite">
        <p>{callAnnouncement(status)}</p>
        {snapshot.error && <p>{snapshot.error}</p>}
        {/* A new element per line, so a sentence said again is announced again. */}
        {lastSettled >= 0 && <p key={`${lastSettled}-${lines[lastSettled]!.interrupted ? "cut" : "whole"}`}>{lineAnnouncement(lines[lastSettled]!)}</p>}
      </div>
    </div>
  );
}

function Call({ call, onEnd }: { call: LiveCall; onEnd: () => void }) {
  const snapshot = useSyncExternalStore(call.subscribe, call.getSnapshot);
  return <LiveCallView snapshot={snapshot} onInterrupt={() => call.interrupt()} onEnd={onEnd} />;
}

/**
 * Live mode: a call that flows turn after turn without tapping, over the live socket. Where the browser
 * or the server cannot hold one, the page's tap-to-talk (upload) path stays the way to talk.
 */
export function LiveCallPanel({ onCall }: { onCall?: (call: LiveCall | null) => void }) {
  const [call, setCall] = useState<LiveCall | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  // Only after a call the person ended (not on the page's first render): focus returns where they started it.
  const returnFocus = useRef(false);
  useEffect(() => () => call?.stop(), [call]);
  // The page's presence follows the call while there is one.
  useEffect(() => onCall?.(call), [call, onCall]);
  useEffect(() => {
    if (call || !returnFocus.current) return;
    returnFocus.current = false;
    startButton.current?.focus();
  }, [call]);
  if (!canCallLive()) return null;

  const start = () => {
    const next = new LiveCall();
    setFailed(null);
    setCall(next);
    next.start().catch((error: unknown) => {
      next.stop();
      returnFocus.current = true;
      setCall(null);
      setFailed((error as Error).message);
    });
  };
  return (
    <section className="live-call-panel" aria-label="Live call">
      {call ? (
        <Call
          call={call}
          onEnd={() => {
            call.stop();
            returnFocus.current = true;
            setCall(null);
          }}
        />
      ) : (
        <div className="live-call-start">
          <button ref={startButton} type="button" className="button quiet live-call-start-button" onClick={start} aria-describedby="live-call-hint">
            <PhoneIcon />
            Start a live call
          </button>
          <p id="live-call-hint" className="live-call-hint">
            Hands-free: just talk, and Rose answers each time you pause.
          </p>
          {failed !== null && (
            <p className="live-call-failed" data-reason={failed}>
              {STATUS.failed}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
