/**
 * The period a question asks about ("in May", "in March 2024", "last week", "yesterday", "three days ago",
 * "in 2023"), resolved against the time of the search, so retrieval can prefer memories from that period.
 * Deliberately conservative: a month name counts only after "in", "during", "since", "last"… or before a
 * year, so "May I ask…" is not a date. Days are UTC days (the person's time zone is not known here).
 */
export interface TimeWindow {
  from: Date;
  /** Exclusive. */
  to: Date;
}

const DAY = 86_400_000;
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH_PATTERN = `(${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)`;
const NUMBERS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };

const startOfDay = (t: Date) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
const monthWindow = (year: number, month: number): TimeWindow => ({ from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) });
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));

export function timeWindow(query: string, now: Date): TimeWindow | null {
  const q = query.toLowerCase();
  const today = startOfDay(now);

  const monthYear = new RegExp(`\\b${MONTH_PATTERN}\\.?,? (\\d{4})\\b`).exec(q);
  if (monthYear) return monthWindow(Number(monthYear[2]), monthIndex(monthYear[1]!));
  const month = new RegExp(`\\b(in|during|since|last|this|early|late|mid|of) ${MONTH_PATTERN}\\b`).exec(q);
  if (month) {
    const m = monthIndex(month[2]!);
    // The latest such month that has begun (last May, when asked in June, is this year's May).
    const year = m <= now.getUTCMonth() ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
    return monthWindow(year, m);
  }
  const year = /\b(in|during|since|of) (\d{4})\b/.exec(q);
  if (year) return { from: new Date(Date.UTC(Number(year[2]), 0, 1)), to: new Date(Date.UTC(Number(year[2]) + 1, 0, 1)) };

  if (/\byesterday\b/.test(q)) return { from: new Date(today.getTime() - DAY), to: today };
  if (/\btoday\b|\bthis morning\b|\btonight\b/.test(q)) return { from: today, to: new Date(today.getTime() + DAY) };
  if (/\blast week\b/.test(q)) return { from: new Date(today.getTime() - 14 * DAY), to: today };
  if (/\bthis week\b/.test(q)) return { from: new Date(today.getTime() - 7 * DAY), to: new Date(today.getTime() + DAY) };
  if (/\blast month\b/.test(q)) return monthWindow(now.getUTCFullYear(), now.getUTCMonth() - 1);
  if (/\blast year\b/.test(q)) return { from: new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)), to: new Date(Date.UTC(now.getUTCFullYear(), 0, 1)) };
  const ago = /\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (day|week|month|year)s? ago\b/.exec(q);
  if (ago) {
    const n = Number(ago[1]) || NUMBERS[ago[1]!]!;
    const unit = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY }[ago[2] as "day" | "week" | "month" | "year"];
    // "Three weeks ago" is roughly then: half a unit either side.
    const centre = today.getTime() - n * unit;
    return { from: new Date(centre - unit / 2), to: new Date(centre + unit / 2 + DAY) };
  }
  return null;
}

export const within = (window: TimeWindow, iso: string) => {
  const t = Date.parse(iso);
  return t >= window.from.getTime() && t < window.to.getTime();
};
