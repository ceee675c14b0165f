import { useEffect, useState, useSyncExternalStore } from "react";
import { canCallLive, LiveCall, type LiveCallSnapshot } from "./live-call";

const STATUS: Record<LiveCallSnapshot["status"], string> = {
  connecting: "Calling Rose…",
  listening: "Rose is listening. Just talk.",
  hearing: "Rose is hearing you…",
  thinking: "Rose is thinking…",
  speaking: "Rose is speaking. Talk to interrupt her.",
  ended: "Call ended.",
  failed: "The live call is unavailable here: use the circle above to talk instead.",
};

function Call({ call, onEnd }: { call: LiveCall; onEnd: () => void }) {
  const snapshot = useSyncExternalStore(call.subscribe, call.getSnapshot);
  return (
    <div className="live-call" data-status={snapshot.status}>
      <p className="live-call-status" role="status">
        {STATUS[snapshot.status]}
      </p>
      {snapshot.error && <p className="live-call-error">{snapshot.error}</p>}
      <ol className="live-call-transcript" aria-label="The call so far" aria-live="polite">
        {snapshot.lines.map((line, i) => (
          <li key={i} className={`live-line ${line.who}${line.settled ? "" : " partial"}`}>
            <strong>{line.who === "you" ? "You" : "Rose"}:</strong> {line.text}
            {line.interrupted && <em> (interrupted)</em>}
          </li>
        ))}
      </ol>
      <div className="live-call-actions">
        {snapshot.status === "speaking" && (
          <button type="button" className="button quiet" onClick={() => call.interrupt()}>
            Stop Rose
          </button>
        )}
        <button type="button" className="button" onClick={onEnd}>
          End call
        </button>
      </div>
    </div>
  );
}

/**
 * Live mode: a call that flows turn after turn without tapping, over the live socket. Where the browser
 * or the server cannot hold one, the page's tap-to-talk (upload) path stays the way to talk.
 */
export function LiveCallPanel({ onCall }: { onCall?: (call: LiveCall | null) => void }) {
  const [call, setCall] = useState<LiveCall | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => () => call?.stop(), [call]);
  // The page's presence follows the call while there is one.
  useEffect(() => onCall?.(call), [call, onCall]);
  if (!canCallLive()) return null;

  const start = () => {
    const next = new LiveCall();
    setFailed(null);
    setCall(next);
    next.start().catch((error: unknown) => {
      next.stop();
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
            setCall(null);
          }}
        />
      ) : (
        <>
          <button type="button" className="button" onClick={start}>
            Start a live call
          </button>
          {failed !== null && (
            <p className="live-call-status" data-reason={failed}>
              {STATUS.failed}
            </p>
          )}
        </>
      )}
    </section>
  );
}
