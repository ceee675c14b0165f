/**
 * Live speech recognition: audio streamed in while the person speaks, partial transcripts out as they
 * form, and a final one moments after they stop. One stream per utterance-in-a-call: a stream lives
 * for the whole call and reports one final result per utterance.
 */
export interface RecognitionResult {
  text: string;
  /** False for a partial result that may still change. */
  final: boolean;
  /** The recogniser decided the person has finished speaking (its endpointing), not only this segment. */
  endOfSpeech: boolean;
}

export interface RecognitionStream {
  /** 16-bit little-endian mono PCM at the sample rate the stream was opened with. */
  send(pcm: Buffer): void;
  /** Asks for the final result of what has been sent so far now (the server-side VAD saw the end of the turn). */
  finalize(): void;
  close(): void;
}

export interface RecognitionHandlers {
  onResult(result: RecognitionResult): void;
  /** The stream broke off: the call carries on with the batch recogniser. */
  onError(error: Error): void;
}

export interface StreamingSpeechToText {
  readonly provider: string;
  readonly model: string;
  /** Resolves once the stream is open and accepting audio. */
  open(options: { sampleRate: number; endOfSpeechMs: number }, handlers: RecognitionHandlers, signal: AbortSignal): Promise<RecognitionStream>;
}
