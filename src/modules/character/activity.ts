import { dateTimeFormat } from "../../core/intl-cache.js";

/**
 * What Rose is doing at a given local time. It gives her replies a sense of living in the same day as
 * the person ("I'm just closing up the garden"), and only depends on the clock, so it is deterministic.
 */
const DAY_PLAN: Array<{ from: number; activity: string }> = [
  { from: 0, activity: "sitting up late by the fire with a cup of chamomile, unable to sleep" },
  { from: 6, activity: "tending her herb garden in the early light" },
  { from: 9, activity: "preparing tinctures and teas in her studio" },
  { from: 12, activity: "having a slow lunch under the fig tree" },
  { from: 14, activity: "seeing people for long conversations in her garden studio" },
  { from: 18, activity: "walking by the sea to clear her head" },
  { from: 20, activity: "reading about old remedies with a candle lit" },
  { from: 23, activity: "winding down for the night with a warm drink" },
];

export interface LocalMoment {
  timezone: string;
  /** e.g. "Tuesday, 14:05" */
  label: string;
  /** The local hour, 0-23: the companion's energy follows the person's day. */
  hour: number;
  activity: string;
}

/** `plan`: a card's daily rhythm (`from` hours in increasing order); Rose's by default. */
export function localMoment(now: Date, timezone: string, plan: Array<{ from: number; activity: string }> = DAY_PLAN): LocalMoment {
  const parts = dateTimeFormat("en-GB", { timeZone: timezone, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = Number(get("hour"));
  const slots = plan.length > 0 ? plan : DAY_PLAN;
  // Before the first slot of the day, the last one of the night before still holds.
  const activity = [...slots].reverse().find((slot) => hour >= slot.from)?.activity ?? slots[slots.length - 1]!.activity;
  return { timezone, label: `${get("weekday")}, ${get("hour")}:${get("minute")}`, hour, activity };
}

export function isTimezone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
