/**
 * Recognises an uploaded recording by its first bytes. File names and declared content types are
 * whatever the client says (a text file renamed .webm included); the container's magic bytes are not.
 * Only the formats Whisper accepts (Groq and OpenAI alike) are recognised.
 */

export interface AudioFormat {
  /** Short name, also the file extension the transcription APIs expect. */
  name: "webm" | "ogg" | "wav" | "mp3" | "mp4" | "flac";
  mime: string;
}

const FORMATS = {
  webm: { name: "webm", mime: "audio/webm" },
  ogg: { name: "ogg", mime: "audio/ogg" },
  wav: { name: "wav", mime: "audio/wav" },
  mp3: { name: "mp3", mime: "audio/mpeg" },
  mp4: { name: "mp4", mime: "audio/mp4" },
  flac: { name: "flac", mime: "audio/flac" },
} as const satisfies Record<AudioFormat["name"], AudioFormat>;

/** Human-readable list for error messages. */
export const ACCEPTED_AUDIO = "WebM/Opus, Ogg, WAV, MP3, MP4/M4A or FLAC";

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];
/** The EBML header (where DocType lives) is tiny; browsers put it in the first few dozen bytes. */
const EBML_HEADER_SCAN = 64;

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(length, bytes.length - start))).toString("latin1");
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/**
 * An MPEG audio frame header at offset 0: 11 sync bits, a real version and layer, a usable bitrate and
 * sample rate. AAC in ADTS shares the sync bits but has layer 00, so it is not mistaken for MP3.
 */
function isMpegAudioFrame(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || (bytes[1]! & 0xe0) !== 0xe0) return false;
  const version = (bytes[1]! >> 3) & 0b11;
  const layer = (bytes[1]! >> 1) & 0b11;
  const bitrate = bytes[2]! >> 4;
  const sampleRate = (bytes[2]! >> 2) & 0b11;
  return version !== 0b01 && layer !== 0b00 && bitrate !== 0 && bitrate !== 0xf && sampleRate !== 0b11;
}

/** ISO-BMFF brands of MP4/M4A files as recorders and encoders write them (Safari's MediaRecorder: iso5/mp42). */
const MP4_BRANDS = new Set(["M4A ", "M4B ", "mp41", "mp42", "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "dash", "MSNV"]);
/** HEIF/AVIF images share the container and some of its brands; any of these makes it a picture. */
const IMAGE_BRANDS = new Set(["mif1", "msf1", "heic", "heix", "hevc", "avif", "avis"]);

/** An `ftyp` box naming MP4 audio/video, not a HEIC/AVIF image or a QuickTime movie. */
function isMp4Audio(bytes: Uint8Array): boolean {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") return false;
  const boxSize = Math.min(bytes.length, Math.max(16, Buffer.from(bytes.buffer, bytes.byteOffset, 4).readUInt32BE(0)));
  const brands = [ascii(bytes, 8, 4)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(ascii(bytes, offset, 4));
  return !brands.some((brand) => IMAGE_BRANDS.has(brand)) && brands.some((brand) => MP4_BRANDS.has(brand));
}

/** The container of a recording, or undefined when the bytes are not one of the accepted formats. */
export function sniffAudioFormat(bytes: Uint8Array): AudioFormat | undefined {
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WAVE") return FORMATS.wav;
  if (ascii(bytes, 0, 4) === "OggS") return FORMATS.ogg;
  if (ascii(bytes, 0, 4) === "fLaC") return FORMATS.flac;
  // Matroska and WebM share the EBML magic; only WebM's DocType is an accepted upload.
  if (startsWith(bytes, EBML_MAGIC)) return ascii(bytes, 4, EBML_HEADER_SCAN).includes("webm") ? FORMATS.webm : undefined;
  if (isMp4Audio(bytes)) return FORMATS.mp4;
  if (ascii(bytes, 0, 3) === "ID3" || isMpegAudioFrame(bytes)) return FORMATS.mp3;
  return undefined;
}

/** File extensions for the audio Rose stores and serves, by content type. */
const EXTENSION_BY_MIME: Record<string, string> = {
  "audio/mpeg": "mp3",
  "audio/wav": "wav",
  "audio/ogg": "ogg",
  "audio/webm": "webm",
  "audio/flac": "flac",
  "audio/mp4": "m4a",
};

export function extensionForMime(mime: string): string | undefined {
  return EXTENSION_BY_MIME[mime.split(";")[0]!.trim().toLowerCase()];
}

export function mimeForExtension(extension: string): string | undefined {
  return Object.entries(EXTENSION_BY_MIME).find(([, ext]) => ext === extension)?.[0];
}
