import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

/**
 * A WAV of espeak-ng saying `text`, with silence around it: Chromium loops the file as the fake
 * microphone, and the pause after the words is what lets voice activity detection hear the end of them.
 */
export function spokenWav(text: string, path: string, { leadMs = 400, trailMs = 2500 } = {}): string {
  execFileSync("espeak-ng", ["-w", path, text]);
  const wav = readFileSync(path);
  // espeak-ng writes the canonical 44-byte header: PCM, mono, 16-bit; the sample rate is at byte 24.
  const sampleRate = wav.readUInt32LE(24);
  const bytesPerMs = (sampleRate * 2) / 1000;
  const silence = (ms: number) => Buffer.alloc(Math.round(ms * bytesPerMs) & ~1);
  const data = Buffer.concat([silence(leadMs), wav.subarray(44), silence(trailMs)]);
  const header = Buffer.from(wav.subarray(0, 44));
  header.writeUInt32LE(36 + data.length, 4);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
  return path;
}
