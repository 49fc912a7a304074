import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Mode of every file the platform writes under `DATA_DIR`: credentials, the database, seeds. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of `DATA_DIR` and every folder the platform makes in it. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes `dir` (and missing parents) and sets it to 0700 whatever the umask, so no other local
 * user can list or open what the platform keeps there.
 *
 * @example privateDir(config.dataDir)
 */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `path` empty when missing and sets it to 0600 either way: for files another library
 * opens (the SQLite database, whose `-wal`/`-shm` SQLite creates with the database's mode).
 *
 * @example privateFile('./data/push.db'); new SQLite('./data/push.db');
 */
export function privateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Writes `data` to `path` as 0600 (the mode is set after the write too, so neither the umask nor
 * an older file's mode decides). `flag` as for `writeFileSync` (`wx`: fail when it exists).
 *
 * @example writePrivateFile(join(dataDir, 'admin.token'), token, 'wx')
 */
export function writePrivateFile(path: string, data: string, flag = 'w'): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE, flag });
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Sets `dir` to 0700 and everything in it, recursively, to 0600 (files) / 0700 (folders): run
 * at start, so files an older version left world-readable are closed. Symbolic links are left
 * alone (chmod would follow them out of the directory); a missing `dir` is made.
 *
 * @example securePrivateTree(config.dataDir)
 */
export function securePrivateTree(dir: string): void {
  privateDir(dir);
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st || st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        chmodSync(path, PRIVATE_DIR_MODE);
        walk(path);
      } else if (st.isFile() && (st.mode & 0o777) !== PRIVATE_FILE_MODE) {
        chmodSync(path, PRIVATE_FILE_MODE);
      }
    }
  };
  walk(dir);
}
