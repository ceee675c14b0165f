import { type RefObject, useCallback, useLayoutEffect, useRef } from "react";

/** How close to the bottom (px) still counts as "reading the newest": a line or two of slack. */
const NEAR_BOTTOM_PX = 48;

/**
 * Keeps a scrolling log at its newest entry: it opens there (a restored conversation shows its end, not
 * its beginning) and follows what is added, token by token, unless the person has scrolled up to read
 * something earlier; scrolling back down to the end picks the following up again. Whether to follow is
 * decided from the person's own scrolling (remembered on each scroll event), not from the position after
 * new content arrived: a long reply growing the log would otherwise look like the person scrolled away.
 *
 * `content` changes whenever what the log shows changes; `follow()` pins it to the end again (after the
 * person sends a message they want to see its answer).
 */
export function useFollowLog(log: RefObject<HTMLElement | null>, content: unknown) {
  const pinned = useRef(true);

  const toEnd = useCallback(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [log]);

  const onScroll = useCallback(() => {
    const el = log.current;
    if (el) pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight <= NEAR_BOTTOM_PX;
  }, [log]);

  // Before paint, so the log never flashes at the wrong place.
  useLayoutEffect(() => {
    if (pinned.current) toEnd();
  }, [content, toEnd]);

  const follow = useCallback(() => {
    pinned.current = true;
    toEnd();
  }, [toEnd]);

  return { onScroll, follow };
}
