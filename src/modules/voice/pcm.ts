/** 16-bit little-endian mono PCM, the live socket's audio: checks, conversions, and a WAV wrapper for batch recognition. */

export const LIVE_SAMPLE_RATE = 16_000;
const BYTES_PER_SAMPLE = 2;

export const pcmDurationMs = (bytes: number, sampleRate = LIVE_SAMPLE_RATE) => (bytes / BYTES_PER_SAMPLE / sampleRate) * 1000;
export const pcmBytesFor = (ms: number, sampleRate = LIVE_SAMPLE_RATE) => Math.round((ms * sampleRate) / 1000) * BYTES_PER_SAMPLE;

/** Samples as floats in [-1, 1), what the voice-activity model reads. */
export function pcmToFloat32(pcm: Buffer): Float32Array {
  const samples = new Float32Array(Math.floor(pcm.length / BYTES_PER_SAMPLE));
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * BYTES_PER_SAMPLE) / 32768;
  return samples;
}

/** Root-mean-square level of float samples, 0..1. */
export function rms(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length ? Math.sqrt(sum / samples.length) : 0;
}

/** A RIFF/WAVE file around raw PCM, for recognisers that take a recording. */
export function pcmToWav(pcm: Buffer, sampleRate = LIVE_SAMPLE_RATE): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "latin1");
  header.write("fmt ", 12, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * BYTES_PER_SAMPLE, 28);
  header.writeUInt16LE(BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
