/**
 * Shared Intl formatters. Building an Intl.DateTimeFormat or Intl.Segmenter loads ICU data and costs far
 * more than using one (a turn built three, about a millisecond each, on the event loop before its first
 * token); they hold no per-use state, so one per set of options serves every turn.
 */

const MAX_CACHED = 1_000;
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const segmenters = new Map<string, Intl.Segmenter>();

function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    // Keys are options with a time zone: a few hundred at most; the bound only guards against a flood of odd ones.
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, value);
  }
  return value;
}

/** `new Intl.DateTimeFormat(locale, options)`, made once per locale and options. Throws as the constructor does (an unknown time zone). */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  return remember(dateFormats, `${locale}|${JSON.stringify(options)}`, () => new Intl.DateTimeFormat(locale, options));
}

/** A sentence segmenter for the locale, made once. */
export function sentenceSegmenter(locale: string): Intl.Segmenter {
  return remember(segmenters, locale, () => new Intl.Segmenter(locale, { granularity: "sentence" }));
}
