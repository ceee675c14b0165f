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
export function resolveOccurredAt(text: string, toldAt: Date, timeZone?: string): string | null {
  const window = timeWindow(text, toldAt, timeZone);
  if (!window) return null;
  const middle = (window.from.getTime() + window.to.getTime()) / 2;
  return new Date(Math.min(middle, toldAt.getTime())).toISOString();
}
