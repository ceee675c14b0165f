import type { Perception } from "../modules/perception/perceive.js";

/** Where the turn runner puts a turn's PerceptionInFlight in the run's `configurable`. */
export const PERCEPTION_IN_FLIGHT = "perceptionInFlight";

/**
 * The small model's reading of a spoken turn's feeling, still on its way while Rose begins to answer.
 *
 * A voice reply does not wait for it: the person is listening, and a small-model call before the first
 * token would come straight on top of the time to her first word (about 300 ms with a hosted model). The
 * offline reading (lexicon and crisis rules, instant) shapes the start; the model's reading is used from
 * wherever it has arrived: in the prompt if it came while her memories were being recalled, in her voice
 * from the next sentence, and always, awaited before the reply is saved, in the safety net (help in a
 * crisis only the model saw), the feeling stored on the turn and her state after the exchange.
 */
export class PerceptionInFlight {
  private reading: Promise<Perception | null> | null = null;
  private arrived: Perception | null = null;

  follow(reading: Promise<Perception>): void {
    this.reading = reading.then(
      (perception) => (this.arrived = perception),
      () => null, // the turn was cancelled: nothing to read
    );
  }

  /** The model's reading if it has come by now; never waits. */
  get soFar(): Perception | null {
    return this.arrived;
  }

  /** The model's reading once it comes (its call has its own deadline, past which the offline reading stands); null when none was asked for. */
  final(): Promise<Perception | null> {
    return this.reading ?? Promise.resolve(null);
  }
}

export function perceptionInFlightFrom(config: { configurable?: Record<string, unknown> } | undefined): PerceptionInFlight | null {
  const holder = config?.configurable?.[PERCEPTION_IN_FLIGHT];
  return holder instanceof PerceptionInFlight ? holder : null;
}
