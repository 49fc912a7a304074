import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateDir, writePrivateFile } from '../files/private.ts';
import type { Config } from './config.ts';

/**
 * Fills in `secretKey` and `adminToken` for a dev/embedded setup: when unset, they are generated
 * once into `dataDir` (mode 0600) and reused by every process that shares the directory, so the
 * four processes agree and a restart keeps credentials decryptable.
 *
 * @example const config = withDevSecrets(loadConfig()); config.secretKey!.length // 32
 */
export function withDevSecrets(
  config: Config,
): Config & { generated: { adminToken: boolean; secretKey: boolean } } {
  const generated = { adminToken: false, secretKey: false };
  let { adminToken, secretKey } = config;
  if (!adminToken || !secretKey) privateDir(config.dataDir);
  if (!secretKey) {
    const hex = loadOrCreate(join(config.dataDir, 'secret.key'), () => randomBytes(32).toString('hex'));
    secretKey = Buffer.from(hex.trim(), 'hex');
    generated.secretKey = true;
  }
  if (!adminToken) {
    adminToken = loadOrCreate(join(config.dataDir, 'admin.token'), () =>
      randomBytes(24).toString('base64url'),
    ).trim();
    generated.adminToken = true;
  }
  return Object.freeze({ ...config, adminToken, secretKey, generated });
}

function loadOrCreate(path: string, make: () => string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    const value = make();
    // 'wx' fails if another process created it first; then read theirs.
    try {
      writePrivateFile(path, value, 'wx');
      return value;
    } catch {
      return readFileSync(path, 'utf8');
    }
  }
}
