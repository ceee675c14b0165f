import { spawn, spawnSync } from "node:child_process";
import { z } from "zod";
import { optionalString } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { ProviderError, providerErrorFrom } from "../../../core/resilience/provider-error.js";
import { paceOf, voiceFor } from "../style.js";
import type { SpeechStyle, SynthesizedSpeech, TextToSpeech } from "../types.js";
import { withTrueSizes } from "../wav.js";

const ESPEAK_DEFAULT_VOICE = "en-us+f3";
const WORDS_PER_MINUTE = 160;
const ESPEAK_VOICES = ["en-us+f3", "en-us+f2", "en-us+f4", "en-gb+f3", "en-gb+m3", "en-us+m3", "en-us", "en-gb"];
/** espeak-ng's pitch is 0-99 (50 normal): a little lower for gentle and calm, a little higher for bright. */
const DELIVERY_PITCH: Record<SpeechStyle["delivery"], number> = { gentle: 40, calm: 44, warm: 50, bright: 58 };

/** espeak-ng's `-s` (words per minute) and `-p` (pitch) for a style; its defaults without one. */
export function espeakProsody(style: SpeechStyle | undefined): { wordsPerMinute: number; pitch: number } {
  if (!style) return { wordsPerMinute: WORDS_PER_MINUTE, pitch: 50 };
  const pitch = Math.round(50 + (DELIVERY_PITCH[style.delivery] - 50) * (0.5 + style.intensity / 2));
  return { wordsPerMinute: Math.round(WORDS_PER_MINUTE * paceOf(style, 0.5, 2)), pitch };
}
const MISSING = "espeak-ng is not installed: apt-get install espeak-ng (or choose another TTS_PROVIDER)";

interface ProcessResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command with text on stdin and collects stdout; the signal kills the process. */
function run(command: string, args: string[], input: string, signal?: AbortSignal): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...(signal ? { signal } : {}) });
    const stdout: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", (error: NodeJS.ErrnoException) => reject(error.code === "ENOENT" ? new Error(MISSING, { cause: error }) : error));
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
    // A process that dies before reading stdin makes the write fail with EPIPE; "close" reports why.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * espeak-ng on this machine: no network, no key, robotic but always there. The text goes in on stdin
 * (never as an argument, so no text can pass for an option) and the WAV comes back on stdout.
 */
export class EspeakSpeech implements TextToSpeech {
  readonly provider = "espeak";
  readonly model = "espeak-ng";
  constructor(
    private readonly voice: string = ESPEAK_DEFAULT_VOICE,
    private readonly command = "espeak-ng",
  ) {}

  get voices(): readonly string[] {
    return [...new Set([this.voice, ...ESPEAK_VOICES])];
  }

  async synthesize(text: string, signal: AbortSignal, style?: SpeechStyle): Promise<SynthesizedSpeech> {
    let result: ProcessResult;
    const { wordsPerMinute, pitch } = espeakProsody(style);
    // The voice comes from a fixed list (voiceFor checks it), never from free text: nothing can pass for an option.
    const voice = voiceFor(style, this.provider, this.voices) ?? this.voice;
    try {
      result = await run(this.command, ["--stdout", "--stdin", "-v", voice, "-s", String(wordsPerMinute), "-p", String(pitch)], text, signal);
    } catch (error) {
      // Not installed is a setup problem, not an outage: no retry, the next voice (if any) speaks.
      if ((error as Error).message === MISSING) throw new ProviderError({ provider: this.provider, kind: "client", message: MISSING }, { cause: error });
      throw providerErrorFrom(this.provider, error);
    }
    if (result.code !== 0 || result.stdout.length === 0) {
      throw new ProviderError({
        provider: this.provider,
        kind: "server",
        message: `espeak-ng failed (exit ${result.code}): ${result.stderr.trim().slice(0, 200)}`,
      });
    }
    // Writing to a pipe, espeak-ng cannot go back to fill in the WAV sizes; fix them so players trust the file.
    return { mime: "audio/wav", bytes: withTrueSizes(result.stdout) };
  }

  /** Installed and runnable: `espeak-ng --version`. */
  async probe(signal: AbortSignal): Promise<void> {
    const result = await run(this.command, ["--version"], "", signal);
    if (result.code !== 0) throw new Error(`espeak-ng --version exited with ${result.code}`);
  }
}

/** Whether espeak-ng runs on this machine (checked once, at start-up, for the last-resort voice). */
export function espeakInstalled(command = "espeak-ng"): boolean {
  const result = spawnSync(command, ["--version"], { stdio: "ignore", timeout: 5_000 });
  return !result.error && result.status === 0;
}

/** The offline voice: chosen by default when no other is configured, and added behind any other as the last resort. */
export const espeakTts = defineProvider({
  id: "espeak",
  env: (role) =>
    z
      .object({ ESPEAK_VOICE: optionalString, TTS_VOICE: optionalString })
      .transform((env) => ({ voice: env.ESPEAK_VOICE ?? (role === "primary" ? env.TTS_VOICE : undefined) ?? ESPEAK_DEFAULT_VOICE })),
  missing: () => null,
  autoSelect: () => true,
  available: () => espeakInstalled(),
  create: (s): TextToSpeech => new EspeakSpeech(s.voice),
});
