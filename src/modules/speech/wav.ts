/**
 * Just enough RIFF/WAVE handling for speech Rose produces herself: espeak-ng writes WAV to a pipe,
 * where it cannot go back and fill in the sizes, and a spoken reply made of several sentences is
 * joined into one file for replay.
 */

interface WavParts {
  /** The fmt chunk's payload (codec, channels, rate, bits): clips can only be joined when it matches. */
  fmt: Buffer;
  pcm: Buffer;
}

/** Splits a WAV into its fmt payload and its sample data; undefined when the bytes are not a WAV. */
export function parseWav(bytes: Buffer): WavParts | undefined {
  if (bytes.length < 12 || bytes.toString("latin1", 0, 4) !== "RIFF" || bytes.toString("latin1", 8, 12) !== "WAVE") return undefined;
  let fmt: Buffer | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString("latin1", offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") fmt = bytes.subarray(body, body + size);
    // A streamed WAV says its data runs "forever" (0x7fffffff...): what is actually there is what counts.
    if (id === "data") return fmt ? { fmt, pcm: bytes.subarray(body, Math.min(bytes.length, body + size)) } : undefined;
    offset = body + size + (size % 2);
  }
  return undefined;
}

function buildWav({ fmt, pcm }: WavParts): Buffer {
  const header = Buffer.alloc(12 + 8 + fmt.length + 8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(header.length - 8 + pcm.length, 4);
  header.write("WAVE", 8, "latin1");
  header.write("fmt ", 12, "latin1");
  header.writeUInt32LE(fmt.length, 16);
  fmt.copy(header, 20);
  header.write("data", 20 + fmt.length, "latin1");
  header.writeUInt32LE(pcm.length, 24 + fmt.length);
  return Buffer.concat([header, pcm]);
}

/** Rewrites a WAV with true chunk sizes (players and decoders trust them). */
export function withTrueSizes(bytes: Buffer): Buffer {
  const parts = parseWav(bytes);
  return parts ? buildWav(parts) : bytes;
}

/** One WAV from several with the same sample format; undefined if they differ or one is not a WAV. */
export function joinWavs(clips: Buffer[]): Buffer | undefined {
  const parts = clips.map(parseWav);
  const first = parts[0];
  if (!first || parts.some((p) => !p || !p.fmt.equals(first.fmt))) return undefined;
  return buildWav({ fmt: first.fmt, pcm: Buffer.concat(parts.map((p) => p!.pcm)) });
}
