import { validationFailed } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TurnRunner } from "../../graph/turn-runner.js";
import type { SessionStore } from "../sessions/types.js";
import type { AudioStore } from "../speech/audio-store.js";
import { joinSpokenAudio } from "../speech/join-audio.js";
import { isNoSpeech, NO_SPEECH_REPLY } from "../speech/no-speech.js";
import { type ReplyVoice, SentenceVoice } from "../speech/reply-voice.js";
import { SentenceSpeaker, type SpokenSentence } from "../speech/sentence-speaker.js";
import type { Speech } from "../speech/speech.js";
import { StreamingVoice } from "../speech/streaming-voice.js";
import type { AudioClip, SpeechStyle, SpokenAudio } from "../speech/types.js";

/**
 * The voice pipeline, whatever carries it: words heard → Rose's turn → her reply spoken clause by clause.
 * Three transports sit on it: POST /voice/process (one JSON answer), POST /voice/stream (SSE) and the live
 * socket (many turns, barge-in). It knows nothing of HTTP: audio and text in, events out.
 */

const AUDIO_PATH = "/api/v1/voice/audio";

/** Where a stored clip is served to its owner (GET /voice/audio/:id). */
export const audioUrlFor = (id: string) => `${AUDIO_PATH}/${id}`;

export interface VoiceTurnTarget {
  userId: string;
  sessionId: string;
  timezone: string;
}

export interface Transcription {
  /** What the person said; empty when the recording held no speech. */
  transcript: string;
  noSpeech: boolean;
  sttMs: number;
}

export type VoiceEvent = { type: "token"; text: string } | { type: "audio"; index: number; text: string; audio: SpokenAudio };

/** The fields of `done`, shared by /voice/stream and the live socket. */
export interface VoiceDone {
  session_id: string;
  transcript: string;
  text: string;
  audio_url: string | null;
  no_speech: boolean;
  fallback: boolean;
  tts_failed: boolean;
  timings: { stt_ms: number; first_token_ms: number | null; first_audio_ms: number | null; workflow_ms: number; tts_ms: number; total_ms: number };
}

export interface StreamOptions {
  /** Where the timings count from: the request's arrival (uploads) or `speech_stopped` (live). */
  startedAt: number;
  /** Ends the reply now: synthesis is abandoned, and generation stops (barge-in) unless `keepWriting`. */
  signal?: AbortSignal;
  /** The listener left (an upload's stream closed): the reply is still written and saved, only its voice is dropped. */
  keepWriting?: boolean;
  /** False once nobody is listening: the joined reply audio is then not stored for replay. */
  listening?: () => boolean;
}

export type StreamOutcome = { interrupted: false; done: VoiceDone } | { interrupted: true; written: string };

const elapsedSince = (started: number) => Math.round(performance.now() - started);

export interface VoicePipelineDeps {
  turns: TurnRunner;
  speech: Speech;
  sessions: SessionStore;
  audioStore: AudioStore;
  logger: Logger;
  maxMessageChars: number;
}

export class VoicePipeline {
  constructor(private readonly deps: VoicePipelineDeps) {}

  get canSpeak(): boolean {
    return this.deps.speech.canSpeak;
  }

  /**
   * The one place Rose's words become her voice: every transport speaks through here, so a speaking
   * style (or any other option of synthesis) is threaded through one line.
   */
  speak(text: string, signal?: AbortSignal, style?: SpeechStyle): Promise<SpokenAudio> {
    return this.deps.speech.synthesize(text, signal, style);
  }

  async transcribe(clip: AudioClip): Promise<Transcription> {
    const started = performance.now();
    const transcript = await this.deps.speech.transcribe(clip);
    return this.heard(transcript, elapsedSince(started));
  }

  /** A transcript from any recogniser, checked the same way: too long is refused, Whisper's silence phrases are no speech. */
  heard(transcript: string, sttMs: number): Transcription {
    if (transcript.length > this.deps.maxMessageChars) {
      throw validationFailed(`The recording is too long for one turn: ${transcript.length} characters once transcribed, at most ${this.deps.maxMessageChars}`);
    }
    const noSpeech = isNoSpeech(transcript);
    // Whisper's "Thanks for watching!" for silence is not what the person said: no words are theirs.
    return { transcript: noSpeech ? "" : transcript.trim(), noSpeech, sttMs };
  }

  /** Stores the reply's audio for replay; null when there is none to store or storing fails. */
  private async storeAudio(userId: string, audio: SpokenAudio | undefined, sessionId: string): Promise<string | null> {
    if (!audio) return null;
    try {
      return audioUrlFor(await this.deps.audioStore.save(userId, audio, sessionId));
    } catch (error) {
      this.deps.logger.error("could not store reply audio", { error: (error as Error).message });
      return null;
    }
  }

  /** The whole reply at once, then its whole audio (POST /voice/process). */
  async wholeReply(target: VoiceTurnTarget, heard: Transcription, startedAt: number) {
    const { turns, sessions, logger } = this.deps;
    const workflowStarted = performance.now();
    // No graph turn for silence: nothing to remember, nothing to answer but a gentle prompt.
    const result = heard.noSpeech
      ? { reply: NO_SPEECH_REPLY, fallback: false }
      : await turns.start({ ...target, message: heard.transcript, forcedRoute: "audio" }).reply;
    const workflowMs = heard.noSpeech ? 0 : elapsedSince(workflowStarted);
    const ttsStarted = performance.now();
    let audioUrl: string | null = null;
    let ttsFailed = false;
    if (this.canSpeak) {
      try {
        // The listener's feeling shapes the voice (gentler for grief, calmer for fear).
        const style = "speechStyle" in result ? result.speechStyle : undefined;
        audioUrl = await this.storeAudio(target.userId, await this.speak(result.reply, undefined, style), target.sessionId);
      } catch (error) {
        ttsFailed = true; // the words still go out as text
        logger.warn("speech synthesis failed; answering with text only", { error: (error as Error).message });
      }
    }
    await sessions.touch(target.sessionId);
    return {
      session_id: target.sessionId,
      transcript: heard.transcript,
      text: result.reply,
      audio_url: audioUrl,
      no_speech: heard.noSpeech,
      fallback: result.fallback,
      tts_failed: ttsFailed,
      timings: { stt_ms: heard.sttMs, workflow_ms: workflowMs, tts_ms: elapsedSince(ttsStarted), total_ms: elapsedSince(startedAt) },
    };
  }

  /**
   * How this reply will be voiced: over the first voice's stream when it has one (text forwarded as it is
   * written), else sentence by sentence. The style is read when synthesis starts: it is known before the
   * first token (perceived beside memory extraction), so every sentence has it.
   */
  private replyVoice(sessionId: string, onSpoken: (sentence: SpokenSentence) => void): ReplyVoice {
    const { speech, turns, logger } = this.deps;
    const style = () => turns.voiceStyle(sessionId);
    const speaker = (firstIndex: number) =>
      new SentenceSpeaker(
        (text, abort) => this.speak(text, abort, style()),
        (spoken) => onSpoken({ ...spoken, index: spoken.index + firstIndex }),
      );
    if (!speech.canStreamSpeech) return new SentenceVoice(speaker(0));
    return new StreamingVoice({
      open: (handlers, signal) => speech.openSpeechStream(style(), handlers, signal),
      fallback: speaker,
      onSpoken,
      logger,
    });
  }

  /**
   * The reply as it is made: tokens as they are generated, and audio clause by clause (the first clause on
   * its own, so Rose's voice starts before her first sentence is done), then `done`. Aborting `signal`
   * stops generation and synthesis; the outcome then says what had been written.
   */
  async streamReply(target: VoiceTurnTarget, heard: Transcription, emit: (event: VoiceEvent) => void, options: StreamOptions): Promise<StreamOutcome> {
    const { turns, sessions } = this.deps;
    const { startedAt, signal } = options;
    let firstTokenMs: number | null = null;
    let firstAudioMs: number | null = null;
    let written = "";
    const voice = this.canSpeak
      ? this.replyVoice(target.sessionId, ({ index, text, audio }) => {
          if (signal?.aborted) return;
          firstAudioMs ??= elapsedSince(startedAt);
          emit({ type: "audio", index, text, audio });
        })
      : null;
    const say = (text: string) => {
      if (!signal?.aborted) voice?.write(text);
    };
    const sendToken = (text: string) => {
      if (signal?.aborted) return;
      firstTokenMs ??= elapsedSince(startedAt);
      written += text;
      emit({ type: "token", text });
    };
    const onAbort = () => {
      voice?.cancel();
      if (!options.keepWriting) turns.stop(target.sessionId);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const workflowStarted = performance.now();
      let result: { reply: string; fallback: boolean };
      if (heard.noSpeech) {
        result = { reply: NO_SPEECH_REPLY, fallback: false };
        sendToken(NO_SPEECH_REPLY);
        if (!signal?.aborted) voice?.sayWhole(NO_SPEECH_REPLY);
      } else {
        const running = turns.start({ ...target, message: heard.transcript, forcedRoute: "audio" }, (token) => {
          sendToken(token);
          say(token);
        });
        try {
          result = await running.reply;
        } catch (error) {
          // Stopped before a word: the turn leaves the thread as it was.
          if (signal?.aborted) return { interrupted: true, written };
          throw error;
        }
      }
      if (!signal?.aborted) voice?.end();
      const workflowMs = heard.noSpeech ? 0 : elapsedSince(workflowStarted);
      const spoken = voice ? await voice.finished() : { clips: [], failed: false };
      if (signal?.aborted) return { interrupted: true, written: result.reply };
      const ttsMs = voice?.startedAt == null ? 0 : elapsedSince(voice.startedAt);
      const listening = options.listening?.() ?? true;
      const audioUrl = spoken.failed || !listening ? null : await this.storeAudio(target.userId, joinSpokenAudio(spoken.clips), target.sessionId);
      await sessions.touch(target.sessionId);
      return {
        interrupted: false,
        done: {
          session_id: target.sessionId,
          transcript: heard.transcript,
          text: result.reply,
          audio_url: audioUrl,
          no_speech: heard.noSpeech,
          fallback: result.fallback,
          tts_failed: spoken.failed,
          timings: {
            stt_ms: heard.sttMs,
            first_token_ms: firstTokenMs,
            first_audio_ms: firstAudioMs,
            workflow_ms: workflowMs,
            tts_ms: ttsMs,
            total_ms: elapsedSince(startedAt),
          },
        },
      };
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!signal?.aborted) voice?.cancel(); // an error midway: stop paying for speech
    }
  }
}
