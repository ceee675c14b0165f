/** `{signal}` aborting when any of the given signals does (`{}` when none is given), for options objects. */
export function anySignal(...signals: Array<AbortSignal | undefined>): { signal?: AbortSignal } {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 0 ? {} : { signal: present.length === 1 ? present[0]! : AbortSignal.any(present) };
}
