import { useEffect, useState } from "react";

/** How long a reply may show no progress before the person is told it is taking longer than usual. */
export const SLOW_REPLY_MS = 12_000;

/**
 * True once `active` work has made no progress for `afterMs`: no reply has started, or no new words
 * arrived. `progress` changes whenever something arrives (the reply's length), which starts the wait anew.
 */
export function useSlowNotice(active: boolean, progress: unknown, afterMs = SLOW_REPLY_MS): boolean {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (!active) return;
    const timer = setTimeout(() => setSlow(true), afterMs);
    return () => clearTimeout(timer);
  }, [active, progress, afterMs]);
  return slow;
}
