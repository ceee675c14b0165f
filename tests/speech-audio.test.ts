import { existsSync, readdirSync, utimesSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sniffAudioFormat } from "../src/modules/speech/audio-format.js";
import { type AudioStore, FileAudioStore, isAudioId } from "../src/modules/speech/audio-store.js";
import { PgAudioStore } from "../src/modules/speech/pg-audio-store.js";
import { joinSpokenAudio } from "../src/modules/speech/join-audio.js";
import { SentenceSpeaker, type SpokenSentence } from "../src/modules/speech/sentence-speaker.js";
import type { SpokenAudio } from "../src/modules/speech/types.js";
import { joinWavs, parseWav, withTrueSizes } from "../src/modules/speech/wav.js";
import { mp3Recording, mp4Recording, soxConvert, spokenWav, webmRecording } from "./helpers/audio.js";
import { tempDataDir } from "./helpers/rose-server.js";
import { parseMp3, toneWav, wavDurationMs } from "./simulator/audio.js";
import { endPool } from "./helpers/temporary-database.js";

const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

describe("recognising a recording by its bytes", () => {
  const wav = spokenWav("Hello Rose, how are you today?");

  it.each([
    ["WAV spoken by espeak-ng", () => wav, "wav", "audio/wav"],
    ["Ogg Vorbis (sox)", () => soxConvert(wav, "ogg"), "ogg", "audio/ogg"],
    ["FLAC (sox)", () => soxConvert(wav, "flac"), "flac", "audio/flac"],
    ["MP3 frames", () => mp3Recording(), "mp3", "audio/mpeg"],
    ["MP3 with an ID3 tag", () => Buffer.concat([Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1"), mp3Recording()]), "mp3", "audio/mpeg"],
    ["WebM as MediaRecorder writes it", () => webmRecording(), "webm", "audio/webm"],
    ["MP4/M4A", () => mp4Recording(), "mp4", "audio/mp4"],
  ])("%s", (_name, bytes, name, mime) => {
    expect(sniffAudioFormat(bytes())).toEqual({ name, mime });
  });

  /** An ISO-BMFF file whose ftyp box names these brands (major first). */
  const isoFile = (...brands: string[]) => {
    const ftyp = Buffer.alloc(8 + 8 + 4 * (brands.length - 1));
    ftyp.writeUInt32BE(ftyp.length, 0);
    ftyp.write(`ftyp${brands[0]}`, 4, "latin1");
    brands.slice(1).forEach((brand, i) => ftyp.write(brand, 16 + 4 * i, "latin1"));
    return Buffer.concat([ftyp, Buffer.alloc(512, 0x55)]);
  };

  it.each([
    ["a HEIC photo", isoFile("heic", "mif1", "heic")],
    ["an AVIF image", isoFile("avif", "avif", "mif1", "miaf")],
    ["a QuickTime movie", isoFile("qt  ", "qt  ")],
  ])("refuses %s, which shares MP4's container", (_name, bytes) => {
    expect(sniffAudioFormat(bytes)).toBeUndefined();
  });

  it("accepts MP4 audio as Safari records it", () => {
    expect(sniffAudioFormat(isoFile("iso5", "iso5", "mp42"))).toEqual({ name: "mp4", mime: "audio/mp4" });
  });

  it.each([
    ["text", Buffer.from("this is definitely not audio, just a renamed text file")],
    ["nothing", Buffer.alloc(0)],
    ["Matroska video (not WebM)", webmRecording("matroska")],
    ["AAC in ADTS (no container Whisper takes)", Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc])],
    ["a PNG", Buffer.from("89504e470d0a1a0a0000000d49484452", "hex")],
    ["a RIFF that is not WAVE", Buffer.from("RIFF\x24\x00\x00\x00AVI LIST", "latin1")],
  ])("refuses %s", (_name, bytes) => {
    expect(sniffAudioFormat(bytes)).toBeUndefined();
  });
});

describe("WAV helpers", () => {
  it("fixes the sizes of a WAV written to a pipe and joins clips of one format", () => {
    const clip = toneWav(500);
    const streamed = Buffer.from(clip);
    streamed.writeUInt32LE(0x7ffff024, 4); // what espeak-ng --stdout writes
    streamed.writeUInt32LE(0x7ffff000, 40);
    const fixed = withTrueSizes(streamed);
    expect(fixed.readUInt32LE(4)).toBe(fixed.length - 8);
    expect(parseWav(fixed)!.pcm.length).toBe(clip.length - 44);

    const joined = joinWavs([toneWav(300), toneWav(200)])!;
    expect(wavDurationMs(joined)).toBe(500);
    expect(joinWavs([toneWav(300), toneWav(300, 8_000)])).toBeUndefined();
  });

  it("joins a reply's sentence audio into one file, or none when formats differ", () => {
    const mp3 = (ms: number): SpokenAudio => ({ mime: "audio/mpeg", bytes: mp3Recording(ms) });
    const joined = joinSpokenAudio([mp3(300), mp3(500)])!;
    expect(parseMp3(joined.bytes).frames).toBe(parseMp3(mp3(300).bytes).frames + parseMp3(mp3(500).bytes).frames);
    expect(
      joinSpokenAudio([
        { mime: "audio/wav", bytes: toneWav(100) },
        { mime: "audio/wav", bytes: toneWav(100) },
      ])!.bytes.length,
    ).toBe(44 + 2 * 3200);
    expect(joinSpokenAudio([mp3(100), { mime: "audio/wav", bytes: toneWav(100) }])).toBeUndefined();
    expect(joinSpokenAudio([])).toBeUndefined();
  });
});

/** A synthesizer whose calls the test resolves by hand, in any order. */
function manualSynthesizer() {
  const calls: Array<{ text: string; signal: AbortSignal; resolve(audio: SpokenAudio): void; reject(error: Error): void }> = [];
  const synthesize = (text: string, signal: AbortSignal) =>
    new Promise<SpokenAudio>((resolve, reject) => {
      calls.push({ text, signal, resolve, reject });
    });
  return { calls, synthesize };
}
const audioOf = (text: string): SpokenAudio => ({ mime: "audio/mpeg", bytes: Buffer.from(text) });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("SentenceSpeaker", () => {
  it("synthesizes sentences two at a time and delivers them strictly in order", async () => {
    const { calls, synthesize } = manualSynthesizer();
    const delivered: SpokenSentence[] = [];
    const speaker = new SentenceSpeaker(synthesize, (s) => delivered.push(s));
    speaker.say("One.");
    speaker.say("Two.");
    speaker.say("Three.");
    await tick();
    expect(calls.map((c) => c.text)).toEqual(["One.", "Two."]); // the third waits for a free slot

    calls[1]!.resolve(audioOf("two")); // the second is ready first...
    await tick();
    expect(delivered).toEqual([]); // ...but waits for the first
    expect(calls.map((c) => c.text)).toEqual(["One.", "Two.", "Three."]);

    calls[0]!.resolve(audioOf("one"));
    calls[2]!.resolve(audioOf("three"));
    const outcome = await speaker.finished();
    expect(delivered.map((s) => [s.index, s.text, s.audio.bytes.toString()])).toEqual([
      [0, "One.", "one"],
      [1, "Two.", "two"],
      [2, "Three.", "three"],
    ]);
    expect(outcome).toMatchObject({ failed: false });
    expect(outcome.clips).toHaveLength(3);
  });

  it("stops the voice at the first failure and cancels what is still being synthesized", async () => {
    const { calls, synthesize } = manualSynthesizer();
    const delivered: number[] = [];
    const speaker = new SentenceSpeaker(synthesize, (s) => delivered.push(s.index));
    speaker.say("One.");
    speaker.say("Two.");
    speaker.say("Three.");
    await tick();
    calls[0]!.resolve(audioOf("one"));
    calls[1]!.reject(new Error("tts down"));
    const outcome = await speaker.finished();
    expect(delivered).toEqual([0]);
    expect(outcome.failed).toBe(true);
    expect(calls.length).toBe(2); // the third never started
    speaker.say("Four.");
    await tick();
    expect(calls.length).toBe(2);
  });

  it("cancel() aborts the synthesis in flight", async () => {
    const { calls, synthesize } = manualSynthesizer();
    const speaker = new SentenceSpeaker(synthesize, () => {});
    speaker.say("One.");
    await tick();
    speaker.cancel();
    expect(calls[0]!.signal.aborted).toBe(true);
  });
});

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TTL_MS = 60_000;

interface StoreUnderTest {
  store: AudioStore;
  /** Makes a stored item look `ms` older than it is. */
  age(ownerId: string, id: string, ms: number): Promise<void>;
  /** How many items are kept at all, expired or not. */
  kept(): Promise<number>;
  close(): Promise<void>;
}

async function fileStore(): Promise<StoreUnderTest> {
  const dir = tempDataDir("rose-audio-store-");
  const store = new FileAudioStore(join(dir.path, "audio"), TTL_MS);
  return {
    store,
    age: async (ownerId, id, ms) => {
      const past = new Date(Date.now() - ms);
      utimesSync(store.pathOf(ownerId, id), past, past);
    },
    kept: async () => readdirSync(store.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length,
    close: async () => dir.remove(),
  };
}

async function postgresStore(): Promise<StoreUnderTest> {
  const database = `rose_audio_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const pool = new pg.Pool({ connectionString: ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
  const store = await PgAudioStore.open(pool, TTL_MS);
  return {
    store,
    age: async (_ownerId, id, ms) =>
      void (await pool.query("UPDATE rose_audio SET created_at = created_at - make_interval(secs => $2::double precision / 1000) WHERE id = $1", [id, ms])),
    kept: async () => Number((await pool.query("SELECT COUNT(*) AS n FROM rose_audio")).rows[0].n),
    close: async () => {
      await endPool(pool);
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}

describe("audio ids", () => {
  it.each([
    "../memory.db",
    "..%2Fmemory.db",
    "x.mp3",
    "3f1c1f9e-2b7a-4c55-9a8e-000000000000.db",
    "3f1c1f9e-2b7a-4c55-9a8e-000000000000.mp3/..",
    "3f1c1f9e-2b7a-4c55-9a8e-000000000000",
  ])("refuses the id %j", (id) => expect(isAudioId(id)).toBe(false));
});

describe.each([
  ["on disk (one instance)", fileStore],
  ["in PostgreSQL (several instances)", postgresStore],
])("AudioStore %s", (_name, open) => {
  let subject: StoreUnderTest;
  beforeAll(async () => {
    subject = await open();
  });
  afterAll(() => subject.close());
  const mp3: SpokenAudio = { mime: "audio/mpeg", bytes: mp3Recording(300) };

  it("stores audio under an id that is a UUID and an extension, readable only by its owner", async () => {
    const { store } = subject;
    const id = await store.save("user-a", mp3);
    expect(id).toMatch(/^[0-9a-f-]{36}\.mp3$/);
    expect(isAudioId(id)).toBe(true);
    const found = await store.find("user-a", id);
    expect(found?.mime).toBe("audio/mpeg");
    expect(found?.bytes.equals(mp3.bytes)).toBe(true);
    expect(await store.find("user-b", id)).toBeNull();
    expect(await store.find("user-a", "3f1c1f9e-2b7a-4c55-9a8e-000000000000.mp3")).toBeNull();
  });

  it("never serves expired audio, and removeExpired deletes exactly what expired", async () => {
    const { store } = subject;
    await store.removeExpired(Date.now() + 10 * TTL_MS); // start empty
    const fresh = await store.save("user-a", mp3);
    const old = await store.save("user-b", mp3);
    await subject.age("user-b", old, TTL_MS + 1_000);
    expect(await store.find("user-b", old)).toBeNull();

    expect(await store.removeExpired()).toEqual({ removed: 1 });
    expect(await subject.kept()).toBe(1);
    expect(await store.find("user-a", fresh)).not.toBeNull();
    expect(await store.removeExpired(Date.now() + 2 * TTL_MS)).toEqual({ removed: 1 });
    expect(await subject.kept()).toBe(0);
  });
});

describe("AudioStore on disk", () => {
  it("removes an owner's folder once its last file has expired", async () => {
    const dir = tempDataDir("rose-audio-store-");
    dirs.push(dir);
    const store = new FileAudioStore(join(dir.path, "audio"), TTL_MS);
    await store.save("user-a", { mime: "audio/wav", bytes: toneWav(100) });
    const id = await store.save("user-b", { mime: "audio/wav", bytes: toneWav(100) });
    const past = new Date(Date.now() - 2 * TTL_MS);
    utimesSync(store.pathOf("user-b", id), past, past);
    expect(await store.removeExpired()).toEqual({ removed: 1 });
    expect(existsSync(dirname(store.pathOf("user-b", id)))).toBe(false);
    expect(readdirSync(store.dir)).toHaveLength(1);
  });
});
