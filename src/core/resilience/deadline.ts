/**
 * A time limit that lives exactly as long as the call it bounds.
 *
 * `AbortSignal.any([caller, AbortSignal.timeout(ms)])` looks equivalent but is not: the combined signal
 * holds its sources only weakly, so once nothing else references the timeout signal the garbage
 * collector may take it, timer and all, and the call it was meant to cut off hangs on (a 10 s chat
 * timeout that waited 120 s). Here an AbortController is held by a plain `setTimeout`, which the
 * caller clears when the call ends, and the caller's signal is forwarded by a listener that is removed
 * at the same moment, so nothing outlives the call and nothing dies before it.
 */

/** What a deadline aborts its signal with: named like the platform's timeout (`TimeoutError`). */
export class DeadlineExceededError extends Error {
  override readonly name = "TimeoutError";
  /** Seen as transient by `isTransient`: a timed-out attempt is worth another try. */
  readonly code = "ATTEMPT_TIMEOUT";

  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

export interface Deadline {
  /** Aborts when the time runs out or any caller's signal aborts (with that signal's reason). */
  readonly signal: AbortSignal;
  /** True once the time limit, not a caller, aborted the signal. */
  readonly timedOut: boolean;
  /** Clears the timer and detaches from the callers' signals; call it in `finally`. Safe to call twice. */
  dispose(): void;
}

type Signals = AbortSignal | undefined | ReadonlyArray<AbortSignal | undefined>;

/**
 * Starts a deadline of `timeoutMs` (none when undefined: the signal then only follows the callers'),
 * linked to the callers' signals. Dispose of it when the call ends.
 */
export function startDeadline(timeoutMs: number | undefined, callers?: Signals): Deadline {
  const controller = new AbortController();
  const parents = (Array.isArray(callers) ? callers : [callers]).filter((s): s is AbortSignal => s !== undefined);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const forwards: Array<[AbortSignal, () => void]> = [];

  const dispose = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    for (const [parent, forward] of forwards.splice(0)) parent.removeEventListener("abort", forward);
  };

  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const forward = () => {
      controller.abort(parent.reason);
      dispose();
    };
    parent.addEventListener("abort", forward, { once: true });
    forwards.push([parent, forward]);
  }
  if (controller.signal.aborted) dispose();
  else if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DeadlineExceededError(timeoutMs));
      dispose();
    }, timeoutMs);
  }

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose,
  };
}

/** Runs `work` with a signal that aborts after `timeoutMs` or when a caller's signal aborts; cleans up after. */
export async function withDeadline<T>(timeoutMs: number | undefined, callers: Signals, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const deadline = startDeadline(timeoutMs, callers);
  try {
    return await work(deadline.signal);
  } finally {
    deadline.dispose();
  }
}
