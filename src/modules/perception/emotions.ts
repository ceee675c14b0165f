/** The fixed set of feelings Rose reads in a message: small enough for a model to choose from reliably. */
export const EMOTIONS = ["neutral", "joy", "gratitude", "love", "sadness", "grief", "loneliness", "anxiety", "fear", "anger", "shame"] as const;
export type Emotion = (typeof EMOTIONS)[number];

export interface EmotionReading {
  emotion: Emotion;
  /** 0..1: how strongly it shows. */
  intensity: number;
}

export const NEUTRAL: EmotionReading = { emotion: "neutral", intensity: 0 };

/** Heavy feelings: the voice slows and softens for them, the prompt asks for gentleness. */
export const HEAVY_EMOTIONS: ReadonlySet<Emotion> = new Set(["sadness", "grief", "loneliness", "anxiety", "fear", "shame"]);
