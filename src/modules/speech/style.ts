import type { SpeechStyle } from "./types.js";

/**
 * Shared pieces of how providers voice a SpeechStyle: the pace each delivery takes (gentle slows, bright
 * quickens, scaled by how strongly it shows) times the listener's own pace, kept within a provider's range.
 */
const DELIVERY_PACE: Record<SpeechStyle["delivery"], number> = { gentle: -0.12, calm: -0.06, warm: 0, bright: 0.06 };

export function paceOf(style: SpeechStyle, min: number, max: number): number {
  const pace = (1 + DELIVERY_PACE[style.delivery] * (0.5 + style.intensity / 2)) * style.rate;
  return Math.round(Math.min(max, Math.max(min, pace)) * 100) / 100;
}

/** A provider's own voice from the style, when it names one this provider has. */
export function voiceFor(style: SpeechStyle | undefined, provider: string, known?: readonly string[]): string | undefined {
  const voice = style?.voices?.[provider];
  return voice && (!known || known.length === 0 || known.includes(voice)) ? voice : undefined;
}
