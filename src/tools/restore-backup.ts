/**
 * `npm run backup:restore -- [folder|latest]`: restores a backup taken by the daily job into DATA_DIR.
 * Stop the service first; the files it replaces are kept as *.before-restore.
 */
import { join } from "node:path";
import { loadConfig } from "../core/config.js";
import { restoreBackup, SqliteBackups } from "../core/jobs/sqlite-backup.js";

const config = loadConfig();
const backups = new SqliteBackups(join(config.dataDir, "backups"), [], config.backup.keep).list();
const wanted = process.argv[2] ?? "latest";
const folder = wanted === "latest" ? backups.at(-1) : (backups.find((b) => b.endsWith(wanted)) ?? wanted);
if (!folder) {
  console.error(`No backups in ${join(config.dataDir, "backups")}.`);
  process.exit(1);
}
for (const file of restoreBackup(folder, config.dataDir)) console.log(`restored ${file}`);
