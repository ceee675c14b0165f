/**
 * Real audio bytes for the simulator: speech replies must survive decoders and format sniffers on
 * Rose's side, and uploads must be checked the way the real transcription APIs check them (by the
 * bytes, not the file name). Everything here is synchronous and dependency-free.
 */

export type AudioFormat = "wav" | "ogg" | "webm" | "mp3" | "flac" | "mp4";

// ---------------------------------------------------------------------------------------------
// Detection

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Recognises the container by its magic bytes; undefined for anything else (including empty input). */
export function detectAudioFormat(bytes: Uint8Array): AudioFormat | undefined {
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WAVE") return "wav";
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === "OggS") return "ogg";
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return "webm";
  if (bytes.length >= 4 && ascii(bytes, 0, 4) === "fLaC") return "flac";
  if (bytes.length >= 8 && ascii(bytes, 4, 4) === "ftyp") return "mp4";
  if (bytes.length >= 3 && ascii(bytes, 0, 3) === "ID3") return "mp3";
  if (bytes.length >= 4 && readMp3Header(bytes, 0) !== undefined) return "mp3";
  return undefined;
}

/** Duration of a PCM WAV from its fmt and data chunks; undefined when the header is not usable. */
export function wavDurationMs(bytes: Uint8Array): number | undefined {
  if (detectAudioFormat(bytes) !== "wav") return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let byteRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = ascii(bytes, offset, 4);
    const size = view.getUint32(offset + 4, true);
    if (id === "fmt " && offset + 16 <= bytes.length) byteRate = view.getUint32(offset + 16, true);
    if (id === "data") {
      if (!byteRate) return undefined;
      // Streamed WAVs carry a placeholder size; the bytes actually present are what counts.
      const available = bytes.length - (offset + 8);
      return Math.round((Math.min(size, available) / byteRate) * 1000);
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// PCM and WAV

/** A quiet 440 Hz tone as 16-bit little-endian mono samples: audible proof of life, easy on ears. */
export function tonePcm(durationMs: number, sampleRate: number): Buffer {
  const samples = Math.max(0, Math.round((durationMs / 1000) * sampleRate));
  const pcm = Buffer.alloc(samples * 2);
  const amplitude = 0.1 * 32767;
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / sampleRate)), i * 2);
  return pcm;
}

/** Wraps 16-bit mono PCM in a canonical 44-byte RIFF/WAVE header. */
export function wavFromPcm(pcm: Buffer, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export function toneWav(durationMs: number, sampleRate = 16_000): Buffer {
  return wavFromPcm(tonePcm(durationMs, sampleRate), sampleRate);
}

// ---------------------------------------------------------------------------------------------
// MP3: silent MPEG Layer III frames. A frame whose side information is all zero carries no Huffman
// data, so every decoder renders it as silence; only the 4-byte header has to be right.

const MPEG1_RATES = [44_100, 48_000, 32_000];
const MPEG2_RATES = [22_050, 24_000, 16_000];
const MPEG25_RATES = [11_025, 12_000, 8_000];
const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

interface MpegVersion {
  bits: number;
  rates: number[];
  kbps: number[];
  samplesPerFrame: number;
  /** Frame length = floor(coefficient * bitrate / sampleRate) + padding. */
  coefficient: number;
  monoSideInfo: number;
  stereoSideInfo: number;
}

const MPEG1: MpegVersion = {
  bits: 0b11,
  rates: MPEG1_RATES,
  kbps: MPEG1_L3_KBPS,
  samplesPerFrame: 1152,
  coefficient: 144,
  monoSideInfo: 17,
  stereoSideInfo: 32,
};
const MPEG2: MpegVersion = { bits: 0b10, rates: MPEG2_RATES, kbps: MPEG2_L3_KBPS, samplesPerFrame: 576, coefficient: 72, monoSideInfo: 9, stereoSideInfo: 17 };
const MPEG25: MpegVersion = {
  bits: 0b00,
  rates: MPEG25_RATES,
  kbps: MPEG2_L3_KBPS,
  samplesPerFrame: 576,
  coefficient: 72,
  monoSideInfo: 9,
  stereoSideInfo: 17,
};
const VERSIONS = [MPEG1, MPEG2, MPEG25];

export interface Mp3FrameHeader {
  mpegVersion: 1 | 2 | 2.5;
  sampleRate: number;
  bitrateKbps: number;
  frameLength: number;
  samplesPerFrame: number;
  mono: boolean;
}

/** Decodes a Layer III frame header at offset; undefined if the bytes there are not one. */
export function readMp3Header(bytes: Uint8Array, offset: number): Mp3FrameHeader | undefined {
  if (offset + 4 > bytes.length) return undefined;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  const b3 = bytes[offset + 3]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = VERSIONS.find((v) => v.bits === ((b1 >> 3) & 0b11));
  const layerBits = (b1 >> 1) & 0b11;
  if (!version || layerBits !== 0b01) return undefined; // Layer III only (also rules out AAC ADTS)
  const bitrateKbps = version.kbps[(b2 >> 4) & 0x0f];
  const sampleRate = version.rates[(b2 >> 2) & 0b11];
  if (!bitrateKbps || !sampleRate) return undefined; // free-format, reserved, or bad index
  const padding = (b2 >> 1) & 1;
  return {
    mpegVersion: version === MPEG1 ? 1 : version === MPEG2 ? 2 : 2.5,
    sampleRate,
    bitrateKbps,
    frameLength: Math.floor((version.coefficient * bitrateKbps * 1000) / sampleRate) + padding,
    samplesPerFrame: version.samplesPerFrame,
    mono: b3 >> 6 === 0b11,
  };
}

export class UnsupportedAudioError extends Error {
  override name = "UnsupportedAudioError";
}

/** A stream of silent Layer III frames lasting at least durationMs (MPEG-1 for 32/44.1/48 kHz). */
export function silentMp3(durationMs: number, sampleRate = 44_100, bitrateKbps = 128): Buffer {
  const version = VERSIONS.find((v) => v.rates.includes(sampleRate));
  const bitrateIndex = version?.kbps.indexOf(bitrateKbps) ?? -1;
  if (!version || bitrateIndex <= 0) throw new UnsupportedAudioError(`no MPEG Layer III mode for ${sampleRate} Hz at ${bitrateKbps} kbps`);
  const rateIndex = version.rates.indexOf(sampleRate);

  const frame = Buffer.alloc(Math.floor((version.coefficient * bitrateKbps * 1000) / sampleRate));
  frame[0] = 0xff;
  frame[1] = 0xe0 | (version.bits << 3) | (0b01 << 1) | 1; // sync, version, Layer III, no CRC
  frame[2] = (bitrateIndex << 4) | (rateIndex << 2); // no padding, so every frame has the same length
  frame[3] = 0b11 << 6; // mono; side info and main data stay zero = silence

  const frameMs = (version.samplesPerFrame / sampleRate) * 1000;
  const frames = Math.max(1, Math.ceil(durationMs / frameMs));
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

export interface Mp3Summary {
  frames: number;
  durationMs: number;
  sampleRate: number;
  bitrateKbps: number;
}

/** Walks an MP3 frame by frame (after any ID3v2 tag); throws at the first byte that breaks the chain. */
export function parseMp3(bytes: Uint8Array): Mp3Summary {
  let offset = 0;
  if (bytes.length >= 10 && ascii(bytes, 0, 3) === "ID3") {
    const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
    offset = 10 + size;
  }
  let frames = 0;
  let samples = 0;
  let first: Mp3FrameHeader | undefined;
  while (offset < bytes.length) {
    const header = readMp3Header(bytes, offset);
    if (!header) throw new Error(`no MP3 frame header at byte ${offset}`);
    if (offset + header.frameLength > bytes.length) throw new Error(`truncated MP3 frame at byte ${offset}`);
    first ??= header;
    frames += 1;
    samples += header.samplesPerFrame;
    offset += header.frameLength;
  }
  if (!first) throw new Error("no MP3 frames");
  return { frames, durationMs: (samples / first.sampleRate) * 1000, sampleRate: first.sampleRate, bitrateKbps: first.bitrateKbps };
}

// ---------------------------------------------------------------------------------------------
// Speech synthesis stand-in

/** Length of the fake speech for a text: grows with the text (~60 ms a character), capped at 10 s. */
export function speechDurationMs(text: string): number {
  return Math.min(10_000, Math.max(60, text.length * 60));
}

export type SpeechEncoding = { codec: "mp3"; sampleRate: number; bitrateKbps: number } | { codec: "wav" | "pcm"; sampleRate: number };

export const SPEECH_CONTENT_TYPES: Record<SpeechEncoding["codec"], string> = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  pcm: "audio/pcm",
};

export function synthesizeSpeech(text: string, encoding: SpeechEncoding): Buffer {
  const durationMs = speechDurationMs(text);
  switch (encoding.codec) {
    case "mp3":
      return silentMp3(durationMs, encoding.sampleRate, encoding.bitrateKbps);
    case "wav":
      return wavFromPcm(tonePcm(durationMs, encoding.sampleRate), encoding.sampleRate);
    case "pcm":
      return tonePcm(durationMs, encoding.sampleRate);
  }
}
