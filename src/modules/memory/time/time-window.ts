import { dateTimeFormat } from "../../../core/intl-cache.js";

/**
 * The period a question asks about ("in May", "in March 2024", "last week", "yesterday", "three days ago",
 * "in 2023"), resolved against the time of the search, so retrieval can prefer memories from that period.
 * Deliberately conservative: a month name counts only after "in", "during", "since", "last"… or before a
 * year, so "May I ask…" is not a date. Days and months are the person's own, in their time zone (UTC when
 * it is not known).
 */
export interface TimeWindow {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** The words that named the period ("in May 2024"): they say when, not what, so they are not keywords. */
  phrase: string;
}

type Period = Omit<TimeWindow, "phrase">;

const DAY = 86_400_000;
const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const MONTH = `(${MONTHS.join("|")}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)`;
const NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};
const UNITS = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY };

const startOfDay = (t: Date) => new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
const days = (from: Date, n: number) => new Date(from.getTime() + n * DAY);
const monthOf = (year: number, month: number): Period => ({ from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) });

/**
 * How far the time zone's wall clock is ahead of UTC at `at`, in ms. The rules below work on a "local clock
 * as if it were UTC" and shift the period back by this (one offset for the period: a DST change inside it
 * moves its edge by an hour, which does not matter for "last week").
 */
function zoneOffset(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    dateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(at.getTime() / 1000) * 1000;
}
const monthIndex = (name: string) => MONTHS.findIndex((m) => m.startsWith(name.slice(0, 3)));
const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
/** The latest `weekday` before today ("last Friday", "on Saturday": people say these of the days just past). */
const lastWeekday = (now: Date, weekday: number): Period => {
  const back = (now.getUTCDay() - weekday + 7) % 7 || 7;
  const from = days(startOfDay(now), -back);
  return { from, to: days(from, 1) };
};

function dayOf(monthName: string, day: number, year: string | undefined, now: Date): Period {
  const month = monthIndex(monthName);
  let from = new Date(Date.UTC(year ? Number(year) : now.getUTCFullYear(), month, day));
  if (!year && from.getTime() > now.getTime()) from = new Date(Date.UTC(now.getUTCFullYear() - 1, month, day));
  return { from, to: days(from, 1) };
}

/** Tried in order; the first that matches names the period. */
const RULES: Array<[RegExp, (m: RegExpExecArray, now: Date) => Period]> = [
  // A given day: "on May 4, 2023", "May 4th", "on 4 May 2023". Without a year, the latest such day not after today.
  [new RegExp(`\\b${MONTH}\\.? (\\d{1,2})(?:st|nd|rd|th)?\\b(?:,? (\\d{4}))?`), (m, now) => dayOf(m[1]!, Number(m[2]), m[3], now)],
  // Day first only after "on"/"the" or before a year, so "I have 3 may-bugs" is not a date.
  [new RegExp(`\\b(?:on|the) (\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH}\\b\\.?(?:,? (\\d{4}))?`), (m, now) => dayOf(m[2]!, Number(m[1]), m[3], now)],
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)? (?:of )?${MONTH}\\.?,? (\\d{4})\\b`), (m, now) => dayOf(m[2]!, Number(m[1]), m[3], now)],
  [new RegExp(`\\b(?:in |during |since |of )?${MONTH}\\.?,? (\\d{4})\\b`), (m) => monthOf(Number(m[2]), monthIndex(m[1]!))],
  [
    new RegExp(`\\b(?:in|during|since|last|this|early|late|mid|of) ${MONTH}\\b`),
    // The latest such month that has begun (asked in June, "in May" is this year's May, "in July" last year's).
    (m, now) => {
      const month = monthIndex(m[1]!);
      return monthOf(month <= now.getUTCMonth() ? now.getUTCFullYear() : now.getUTCFullYear() - 1, month);
    },
  ],
  [/\b(?:in|during|since|of) (\d{4})\b/, (m) => ({ from: new Date(Date.UTC(Number(m[1]), 0, 1)), to: new Date(Date.UTC(Number(m[1]) + 1, 0, 1)) })],
  [/\b(?:the )?day before yesterday\b/, (_m, now) => ({ from: days(startOfDay(now), -2), to: days(startOfDay(now), -1) })],
  [/\b(?:yesterday|last night)\b/, (_m, now) => ({ from: days(startOfDay(now), -1), to: startOfDay(now) })],
  [new RegExp(`\\b(?:last|on|this past) (${WEEKDAYS.join("|")})\\b`), (m, now) => lastWeekday(now, WEEKDAYS.indexOf(m[1]!))],
  [
    /\b(?:last|this past|over the) weekend\b/,
    (_m, now) => {
      const saturday = lastWeekday(now, 6).from;
      return { from: saturday, to: days(saturday, 2) };
    },
  ],
  [/\b(?:today|this morning|tonight)\b/, (_m, now) => ({ from: startOfDay(now), to: days(startOfDay(now), 1) })],
  [/\blast week\b/, (_m, now) => ({ from: days(startOfDay(now), -14), to: startOfDay(now) })],
  [/\bthis week\b/, (_m, now) => ({ from: days(startOfDay(now), -7), to: days(startOfDay(now), 1) })],
  [/\blast month\b/, (_m, now) => monthOf(now.getUTCFullYear(), now.getUTCMonth() - 1)],
  [/\blast year\b/, (_m, now) => ({ from: new Date(Date.UTC(now.getUTCFullYear() - 1, 0, 1)), to: new Date(Date.UTC(now.getUTCFullYear(), 0, 1)) })],
  [
    /\b(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (day|week|month|year)s? ago\b/,
    // "Three weeks ago" is roughly then: half a unit either side.
    (m, now) => {
      const unit = UNITS[m[2] as keyof typeof UNITS];
      const centre = startOfDay(now).getTime() - (Number(m[1]) || NUMBERS[m[1]!]!) * unit;
      return { from: new Date(centre - unit / 2), to: new Date(centre + unit / 2 + DAY) };
    },
  ],
];

export function timeWindow(query: string, now: Date, timeZone = "UTC"): TimeWindow | null {
  const q = query.toLowerCase();
  let offset = 0;
  try {
    offset = zoneOffset(now, timeZone);
  } catch {
    // An unknown zone name: UTC, rather than no answer.
  }
  const localNow = new Date(now.getTime() + offset);
  for (const [pattern, resolve] of RULES) {
    const match = pattern.exec(q);
    if (!match) continue;
    const period = resolve(match, localNow);
    return {
      from: new Date(period.from.getTime() - offset),
      to: new Date(period.to.getTime() - offset),
      phrase: query.slice(match.index, match.index + match[0].length),
    };
  }
  return null;
}

export const within = (window: Period, iso: string) => {
  const t = Date.parse(iso);
  return t >= window.from.getTime() && t < window.to.getTime();
};
