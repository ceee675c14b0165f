import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentMp3 } from "../simulator/audio.js";

/**
 * Real recordings for voice tests: espeak-ng speaks the sentence into a WAV, sox re-encodes it (Ogg
 * Vorbis, FLAC). MP3 comes from the simulator's silent frames. WebM/Opus and MP4 cannot be encoded with
 * what the machine has, so those are containers' opening bytes exactly as browsers write them.
 */

export function hasCommand(command: string): boolean {
  return spawnSync(command, ["--version"], { stdio: "ignore" }).status === 0;
}

function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "rose-audio-"));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runOrThrow(command: string, args: string[], input?: string): void {
  const result = spawnSync(command, args, input === undefined ? {} : { input });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.toString()}`);
}

/** A WAV of espeak-ng saying the text (written to a file, so the header carries true sizes). */
export function spokenWav(text: string): Buffer {
  return inTempDir((dir) => {
    const path = join(dir, "speech.wav");
    runOrThrow("espeak-ng", ["-v", "en-us", "-w", path, "--stdin"], text);
    return readFileSync(path);
  });
}

/** The same recording re-encoded by sox (ogg = Vorbis, flac). */
export function soxConvert(wav: Buffer, format: "ogg" | "flac"): Buffer {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "in.wav"), wav);
    runOrThrow("sox", [join(dir, "in.wav"), join(dir, `out.${format}`)]);
    return readFileSync(join(dir, `out.${format}`));
  });
}

export function mp3Recording(durationMs = 1200): Buffer {
  return silentMp3(durationMs);
}

/** The EBML header Chrome's and Firefox's MediaRecorder write first (DocType "webm"), then a Segment and some payload. */
export function webmRecording(docType = "webm"): Buffer {
  const doc = Buffer.from(docType, "latin1");
  const elements = Buffer.concat([
    Buffer.from([0x42, 0x86, 0x81, 0x01]), // EBMLVersion 1
    Buffer.from([0x42, 0xf7, 0x81, 0x01]), // EBMLReadVersion 1
    Buffer.from([0x42, 0xf2, 0x81, 0x04]), // EBMLMaxIDLength 4
    Buffer.from([0x42, 0xf3, 0x81, 0x08]), // EBMLMaxSizeLength 8
    Buffer.from([0x42, 0x82, 0x80 | doc.length]), // DocType
    doc,
    Buffer.from([0x42, 0x87, 0x81, 0x04]), // DocTypeVersion 4
    Buffer.from([0x42, 0x85, 0x81, 0x02]), // DocTypeReadVersion 2
  ]);
  const header = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x80 | elements.length]), elements]);
  const segment = Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // Segment, unknown size (live recording)
  return Buffer.concat([header, segment, Buffer.alloc(2048, 0x55)]);
}

/** An ISO-BMFF `ftyp` box as Safari's MediaRecorder and M4A files start, then some payload. */
export function mp4Recording(): Buffer {
  const ftyp = Buffer.alloc(32);
  ftyp.writeUInt32BE(32, 0);
  ftyp.write("ftypM4A ", 4, "latin1");
  ftyp.write("M4A mp42isom", 16, "latin1");
  return Buffer.concat([ftyp, Buffer.alloc(2048, 0x55)]);
}

/** The multipart body a browser sends: the recording in `audio`, plus text fields. */
export function voiceForm(bytes: Buffer, filename: string, fields: Record<string, string> = {}, type = "application/octet-stream"): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append("audio", new Blob([bytes], { type }), filename);
  return form;
}

/** True when the bytes are a RIFF/WAVE whose data chunk holds samples. */
export function isWav(bytes: Buffer): boolean {
  return bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WAVE" && bytes.length > 44;
}

/** espeak-ng saying the text as the live socket's audio: 16 kHz, 16-bit little-endian mono PCM (sox resamples it). */
export function spokenPcm16k(text: string): Buffer {
  const wav = spokenWav(text);
  return inTempDir((dir) => {
    writeFileSync(join(dir, "in.wav"), wav);
    runOrThrow("sox", [join(dir, "in.wav"), "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", join(dir, "out.raw")]);
    return readFileSync(join(dir, "out.raw"));
  });
}
