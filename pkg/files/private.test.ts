import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/config.ts';
import { withDevSecrets } from '../config/dev-secrets.ts';
import { openDb } from '../store/db.ts';
import { securePrivateTree, writePrivateFile } from './private.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

/**
 * Files under DATA_DIR are 0600 and folders 0700 whatever the umask: the generated credentials,
 * the SQLite database with its -wal/-shm, the demo seed, and files an older version left
 * readable (fixed at start).
 */
describe('DATA_DIR permissions', () => {
  let root: string;
  let umask: number;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'push-private-'));
    // The most permissive umask: any mode below comes from the code, not from the environment.
    umask = process.umask(0);
  });
  after(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  test('generated admin.token and secret.key are 0600 in a 0700 DATA_DIR', () => {
    const dataDir = join(root, 'secrets', 'data');
    withDevSecrets(loadConfig({ DATA_DIR: dataDir }));
    assert.equal(mode(dataDir).toString(8), '700');
    assert.equal(mode(join(dataDir, 'admin.token')).toString(8), '600');
    assert.equal(mode(join(dataDir, 'secret.key')).toString(8), '600');
  });

  test('the SQLite database and its -wal/-shm are 0600, its new folder 0700', async () => {
    const dir = join(root, 'db');
    const file = join(dir, 'push.db');
    const { db } = openDb(`sqlite://${file}`);
    try {
      await db.schema.createTable('t').addColumn('x', 'integer').execute();
      await db
        .insertInto('t' as never)
        .values({ x: 1 } as never)
        .execute();
      assert.equal(mode(dir).toString(8), '700');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f).toString(8), '600', f);
    } finally {
      await db.destroy();
    }
    // A database an older version left 0644 is closed when it is opened again.
    chmodSync(file, 0o644);
    const again = openDb(`sqlite://${file}`);
    await again.db.destroy();
    assert.equal(mode(file).toString(8), '600');
  });

  test('writePrivateFile sets 0600 also over an existing readable file (the demo seed)', () => {
    const file = join(root, 'demo-app.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    writePrivateFile(file, '{"apiKey":"pk_x"}');
    assert.equal(mode(file).toString(8), '600');
  });

  test('securePrivateTree closes what an older version left open, and leaves symlinks alone', () => {
    const dataDir = join(root, 'old');
    mkdirSync(join(dataDir, 'redis'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'redis'), 0o755);
    writeFileSync(join(dataDir, 'push.db'), '', { mode: 0o644 });
    writeFileSync(join(dataDir, 'redis', 'appendonly.aof'), '', { mode: 0o644 });
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, '', { mode: 0o644 });
    symlinkSync(outside, join(dataDir, 'link'));
    securePrivateTree(dataDir);
    assert.equal(mode(dataDir).toString(8), '700');
    assert.equal(mode(join(dataDir, 'redis')).toString(8), '700');
    assert.equal(mode(join(dataDir, 'push.db')).toString(8), '600');
    assert.equal(mode(join(dataDir, 'redis', 'appendonly.aof')).toString(8), '600');
    assert.equal(mode(outside).toString(8), '644');
  });
});
