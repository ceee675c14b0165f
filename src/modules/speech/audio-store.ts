import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isUuid, newId } from "../../core/ids.js";
import type { PersonalDataHolder } from "../../core/personal-data.js";
import { extensionForMime, mimeForExtension } from "./audio-format.js";
import type { SpokenAudio } from "./types.js";

export interface StoredAudio {
  mime: string;
  bytes: Buffer;
}

/**
 * Spoken replies kept for a short while (the TTL), so a client can fetch or replay them. Only the owner
 * finds their audio: anyone else's id answers "not found", like someone else's session. Expired audio is
 * never served; `removeExpired`, which a job runs on an interval, frees the space.
 */
export interface AudioStore extends PersonalDataHolder {
  /** Stores the audio and returns its id; `sessionId` links it to its conversation, so deleting that removes it too. */
  save(ownerId: string, audio: SpokenAudio, sessionId?: string): Promise<string>;
  /** Deletes the owner's audio linked to the conversation. */
  eraseSession(ownerId: string, sessionId: string): Promise<void>;
  /** The owner's unexpired audio for a well-formed id, or null. */
  find(ownerId: string, id: string): Promise<StoredAudio | null>;
  /** Deletes everything past its TTL. */
  removeExpired(now?: number): Promise<{ removed: number }>;
  /** What the owner has stored (ids, types, times; the audio itself is Rose's spoken replies, kept minutes). */
  exportUser(ownerId: string): Promise<Array<{ id: string; mime: string; created_at: string }>>;
  /** Deletes every reply spoken for the owner. */
  eraseUser(ownerId: string): Promise<void>;
}

/** Ids are a UUID and a known extension, nothing else: no separators, no dots to climb out with. */
const AUDIO_ID = /^([0-9a-f-]{36})\.([a-z0-9]{2,4})$/;

/** True when the id has the only shape Rose ever hands out. */
export function isAudioId(id: string): boolean {
  const match = AUDIO_ID.exec(id);
  return match !== null && isUuid(match[1]) && mimeForExtension(match[2]!) !== undefined;
}

/** The mime type an audio id stands for (its extension). */
const mimeOfId = (id: string) => mimeForExtension(id.slice(id.lastIndexOf(".") + 1))!;

/** A fresh id for audio of this type. */
export function newAudioId(mime: string): string {
  const extension = extensionForMime(mime);
  if (!extension) throw new Error(`cannot store audio of type ${mime}`);
  return `${newId()}.${extension}`;
}

/** Between an audio id and its conversation's id in the name of the marker that links them (FileAudioStore). */
const SESSION_MARK = ".session-";

/** Owners are kept as a hash of their id: the store needs to tell them apart, not to know them. */
export const ownerKey = (ownerId: string) => createHash("sha256").update(ownerId).digest("hex").slice(0, 32);

/**
 * Audio on disk (DATA_DIR/audio), for a single instance: each person's files sit in a folder named
 * after their owner key; a file's age is its modification time.
 */
export class FileAudioStore implements AudioStore {
  readonly name = "reply_audio";

  constructor(
    readonly dir: string,
    readonly ttlMs: number,
  ) {}

  async save(ownerId: string, audio: SpokenAudio, sessionId?: string): Promise<string> {
    const id = newAudioId(audio.mime);
    const folder = this.folderOf(ownerId);
    const write = async () => {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await writeFile(join(folder, id), audio.bytes, { mode: 0o600 });
      // The link to the conversation is an empty marker beside the file (it expires with it).
      if (sessionId && isUuid(sessionId)) await writeFile(join(folder, `${id}${SESSION_MARK}${sessionId}`), "", { mode: 0o600 });
    };
    // The cleanup job may remove the owner's emptied folder between mkdir and write: make it again, once.
    await write().catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? write() : Promise.reject(error)));
    return id;
  }

  async find(ownerId: string, id: string): Promise<StoredAudio | null> {
    if (!isAudioId(id)) return null;
    const path = this.pathOf(ownerId, id);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile() || this.isExpired(info.mtimeMs, Date.now())) return null;
    const bytes = await readFile(path).catch(() => null); // the cleanup job may have just removed it
    return bytes && { mime: mimeOfId(id), bytes };
  }

  /** Where an owner's audio lives on disk (whether or not it exists). */
  pathOf(ownerId: string, id: string): string {
    return join(this.folderOf(ownerId), id);
  }

  /** Deletes every file past its TTL, and owners' folders left empty. */
  async removeExpired(now = Date.now()): Promise<{ removed: number }> {
    let removed = 0;
    const folders = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    for (const folder of folders.filter((entry) => entry.isDirectory())) {
      const path = join(this.dir, folder.name);
      const files = await readdir(path).catch(() => [] as string[]);
      let kept = 0;
      for (const file of files) {
        const info = await stat(join(path, file)).catch(() => null);
        if (info && !this.isExpired(info.mtimeMs, now)) {
          kept++;
          continue;
        }
        // Already gone is as good as removed (another instance sharing the volume got there first).
        await unlink(join(path, file)).then(
          () => removed++,
          () => {},
        );
      }
      if (kept === 0) await rmdir(path).catch(() => {}); // a file saved meanwhile keeps it: ENOTEMPTY
    }
    return { removed };
  }

  async exportUser(ownerId: string): Promise<Array<{ id: string; mime: string; created_at: string }>> {
    const folder = this.folderOf(ownerId);
    const files = (await readdir(folder).catch(() => [] as string[])).filter(isAudioId);
    const listed = await Promise.all(
      files.map(async (id) => {
        const info = await stat(join(folder, id)).catch(() => null);
        return info && { id, mime: mimeOfId(id), created_at: info.mtime.toISOString() };
      }),
    );
    return listed.filter((entry) => entry !== null);
  }

  async eraseUser(ownerId: string): Promise<void> {
    await rm(this.folderOf(ownerId), { recursive: true, force: true });
  }

  async eraseSession(ownerId: string, sessionId: string): Promise<void> {
    const folder = this.folderOf(ownerId);
    const suffix = `${SESSION_MARK}${sessionId}`;
    for (const marker of (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith(suffix))) {
      await rm(join(folder, marker.slice(0, -suffix.length)), { force: true });
      await rm(join(folder, marker), { force: true });
    }
  }

  private isExpired(modifiedMs: number, now: number): boolean {
    return now - modifiedMs >= this.ttlMs;
  }

  private folderOf(ownerId: string): string {
    return join(this.dir, ownerKey(ownerId));
  }
}
