import { createHash } from "node:crypto";
import { mkdir, readdir, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isUuid, newId } from "../../core/ids.js";
import { extensionForMime, mimeForExtension } from "./audio-format.js";
import type { SpokenAudio } from "./types.js";

export interface StoredAudio {
  path: string;
  mime: string;
}

/** Ids are a UUID and a known extension, nothing else: no separators, no dots to climb out with. */
const AUDIO_ID = /^([0-9a-f-]{36})\.([a-z0-9]{2,4})$/;

/** True when the id has the only shape Rose ever hands out. */
export function isAudioId(id: string): boolean {
  const match = AUDIO_ID.exec(id);
  return match !== null && isUuid(match[1]) && mimeForExtension(match[2]!) !== undefined;
}

/**
 * Spoken replies on disk (DATA_DIR/audio) for a short while, so a client can fetch or replay them.
 * Each person's files sit in a folder named after a hash of their id: someone else's audio id answers
 * "not found" like someone else's session. Files older than the TTL are never served and are removed by
 * `removeExpired`, which the service runs on an interval. Audio never goes near graph state.
 */
export class AudioStore {
  constructor(
    readonly dir: string,
    readonly ttlMs: number,
  ) {}

  /** Stores the audio and returns its id. */
  async save(ownerId: string, audio: SpokenAudio): Promise<string> {
    const extension = extensionForMime(audio.mime);
    if (!extension) throw new Error(`cannot store audio of type ${audio.mime}`);
    const folder = this.folderOf(ownerId);
    const id = `${newId()}.${extension}`;
    const write = async () => {
      await mkdir(folder, { recursive: true, mode: 0o700 });
      await writeFile(join(folder, id), audio.bytes, { mode: 0o600 });
    };
    // The cleanup job may remove the owner's emptied folder between mkdir and write: make it again, once.
    await write().catch((error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? write() : Promise.reject(error)));
    return id;
  }

  /** The owner's unexpired file for a well-formed id, or null. Callers validate the id's shape first. */
  async find(ownerId: string, id: string): Promise<StoredAudio | null> {
    if (!isAudioId(id)) return null;
    const path = join(this.folderOf(ownerId), id);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile() || this.isExpired(info.mtimeMs, Date.now())) return null;
    return { path, mime: mimeForExtension(id.slice(id.lastIndexOf(".") + 1))! };
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
        await unlink(join(path, file)).then(() => removed++, () => {});
      }
      if (kept === 0) await rmdir(path).catch(() => {}); // a file saved meanwhile keeps it: ENOTEMPTY
    }
    return { removed };
  }

  private isExpired(modifiedMs: number, now: number): boolean {
    return now - modifiedMs >= this.ttlMs;
  }

  private folderOf(ownerId: string): string {
    return join(this.dir, createHash("sha256").update(ownerId).digest("hex").slice(0, 32));
  }
}
