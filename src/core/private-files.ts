import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Group and other permission bits: none of DATA_DIR's files (conversations, memories, the signing secret) may have them. */
const SHARED_BITS = 0o077;

/**
 * Makes DATA_DIR private to the service's user: files 0600, folders 0700. The umask covers everything
 * the process creates from now on (SQLite databases and their -wal/-shm, backups, audio, the model
 * cache); the walk tightens what an earlier version or another tool left readable to others.
 */
export function makeDataDirPrivate(dataDir: string): void {
  try {
    process.umask(SHARED_BITS);
  } catch {
    // Worker threads cannot change the umask; the walk below and the explicit modes still apply.
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  tighten(dataDir);
}

/** Removes group/other bits from a path and, for a folder, everything under it (symbolic links are left alone). */
export function tighten(path: string): void {
  let stats;
  try {
    stats = lstatSync(path);
  } catch {
    return; // removed meanwhile (an expiring audio file)
  }
  if (stats.isSymbolicLink()) return;
  if ((stats.mode & SHARED_BITS) !== 0) chmodSync(path, stats.mode & 0o7700 & ~SHARED_BITS);
  if (stats.isDirectory()) for (const entry of readdirSync(path)) tighten(join(path, entry));
}
