import { timeWindow } from "./time-window.js";

/**
 * When what a message tells happened, from the dates in it ("yesterday", "last Friday", "in May", "two weeks
 * ago"), resolved against when it was said and in the person's time zone: the middle of the period it names,
 * never later than the telling (people tell what has happened; "in May" said on 3 May is not 16 May).
 * Null when the message names no period: the memory then happened when it was told.
 *
 * The same rules as questions about periods (time-window.ts), so a memory dated here is found by a question
 * naming the same period.
 */
/**
 * Plans and wishes ("in May the kids want to go to the lake", "we're moving next month") name a time to come, which
 * the rules (all about the past) would misread; such a message keeps the time it was told.
 */
const ABOUT_THE_FUTURE =
  /\b(will|won't|shall|going to|gonna|want to|wants to|wanna|plan|plans|planning|hope to|hoping to|would like|next|tomorrow|soon|upcoming|someday)\b|'ll\b/i;

export function resolveOccurredAt(text: string, toldAt: Date, timeZone?: string): string | null {
  if (ABOUT_THE_FUTURE.test(text)) return null;
  const window = timeWindow(text, toldAt, timeZone);
  if (!window) return null;
  const middle = (window.from.getTime() + window.to.getTime()) / 2;
  return new Date(Math.min(middle, toldAt.getTime())).toISOString();
}
