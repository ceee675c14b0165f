/**
 * Times in the log, in the person's own locale and time zone (the browser's): a short time on each
 * message, and a day separator ("Today", "Yesterday", a date) where the day changes.
 */

function parsed(iso: string | undefined): Date | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The local calendar day of `iso`, as a key that compares days ("2026-11-30"); null without a valid time. */
export function dayOf(iso: string | undefined): string | null {
  const date = parsed(iso);
  return date ? localDay(date) : null;
}

function localDay(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Today", "Yesterday", else the date ("Monday, 30 November", with the year when it is not this year's). */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const date = parsed(iso);
  if (!date) return "";
  const day = localDay(date);
  if (day === localDay(now)) return "Today";
  if (day === localDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1))) return "Yesterday";
  return date.toLocaleDateString(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: "numeric" }),
  });
}

/** The time of day ("14:05" or "2:05 PM", as the person's locale writes it). */
export function timeLabel(iso: string): string {
  const date = parsed(iso);
  return date ? date.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }) : "";
}

/** A full date and time for the time element's tooltip. */
export function fullTimeLabel(iso: string): string {
  const date = parsed(iso);
  return date ? date.toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" }) : "";
}
