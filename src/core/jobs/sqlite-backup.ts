import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { tighten } from "../private-files.js";

/** A SQLite file to back up: better-sqlite3's `db.backup(path)` is the usual implementation. */
export interface BackupSource {
  name: string;
  backup(path: string): Promise<unknown>;
}

/**
 * Online backups of the service's SQLite files with SQLite's backup API (consistent while the service
 * keeps writing), one timestamped folder per run, keeping the newest `keep`.
 */
export class SqliteBackups {
  constructor(
    private readonly dir: string,
    private readonly databases: BackupSource[],
    private readonly keep: number,
  ) {}

  async run(now = new Date()): Promise<{ folder: string; removed: number }> {
    const folder = join(this.dir, now.toISOString().replace(/[:.]/g, "-"));
    const partial = `${folder}.partial`;
    mkdirSync(partial, { recursive: true, mode: 0o700 });
    for (const source of this.databases) await source.backup(join(partial, source.name));
    tighten(this.dir); // copies of the conversations and memories: as private as the originals
    renameSync(partial, folder); // only complete backups carry a plain timestamp name
    return { folder, removed: this.prune() };
  }

  list(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => !name.endsWith(".partial"))
      .sort()
      .map((name) => join(this.dir, name));
  }

  private prune(): number {
    const all = this.list();
    const old = all.slice(0, Math.max(0, all.length - this.keep));
    for (const folder of old) rmSync(folder, { recursive: true, force: true });
    return old.length;
  }
}

/**
 * Restores a backup folder into the data directory. Run it with the service stopped: the current files
 * are kept beside the restored ones as `*.before-restore` in case the wrong backup was chosen.
 */
export function restoreBackup(folder: string, dataDir: string): string[] {
  const restored: string[] = [];
  for (const file of readdirSync(folder)) {
    const target = join(dataDir, basename(file));
    if (existsSync(target)) renameSync(target, `${target}.before-restore`);
    for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
    copyFileSync(join(folder, file), target);
    restored.push(target);
  }
  return restored;
}
