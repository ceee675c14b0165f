import { spawn, spawnSync } from "node:child_process";
import { z } from "zod";
import { optionalString } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { ProviderError, providerErrorFrom } from "../../../core/resilience/provider-error.js";
import type { SynthesizedSpeech, TextToSpeech } from "../types.js";
import { withTrueSizes } from "../wav.js";

const ESPEAK_DEFAULT_VOICE = "en-us+f3";
const WORDS_PER_MINUTE = "160";
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

  async synthesize(text: string, signal: AbortSignal): Promise<SynthesizedSpeech> {
    let result: ProcessResult;
    try {
      result = await run(this.command, ["--stdout", "--stdin", "-v", this.voice, "-s", WORDS_PER_MINUTE], text, signal);
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
