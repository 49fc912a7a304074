import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from './test-env.ts';

// Every process as `npm start` / `npm run start:<name>` / the Docker entrypoint starts it:
// through deploy/bootstrap.mjs, with an invalid setting.
const root = fileURLToPath(new URL('../../', import.meta.url));
const processes = readdirSync(join(root, 'services')).filter((d) =>
  existsSync(join(root, 'services', d, 'main.ts')),
);

async function start(name: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [join(root, 'deploy/bootstrap.mjs'), name], {
    cwd: root,
    env: {
      ...testEnvironment().inherited,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'startup-')),
      REDIS_AUTOSTART: 'false',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b));
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, lines: stderr.split('\n').filter((l) => l.trim() !== '') };
}

// The processes start side by side: each spends its seconds loading modules.
describe('an invalid setting stops a process with one line and exit code 2', { concurrency: true }, () => {
  test('the processes are all found', () => {
    assert.deepEqual([...processes].sort(), [
      'aggregator',
      'all',
      'handler',
      'ingest',
      'migrate',
      'scheduler',
    ]);
  });

  for (const name of processes) {
    test(`${name}: a secret is named, never shown; no stack trace`, async () => {
      const r = await start(name, { ADMIN_TOKEN: 'hunter2-short' });
      assert.equal(r.status, 2, r.lines.join('\n'));
      assert.equal(r.lines.length, 1, `one line on stderr, got:\n${r.lines.join('\n')}`);
      assert.match(
        r.lines[0]!,
        new RegExp(`^${name}: invalid configuration: ADMIN_TOKEN: must be at least 16`),
      );
      assert.doesNotMatch(r.lines[0]!, /hunter2/);
      assert.equal(r.stdout, '');
    });
  }

  test('a value that is not secret is echoed, so the typo shows', async () => {
    const r = await start('ingest', { PORT: 'eighty' });
    assert.equal(r.status, 2);
    assert.deepEqual(r.lines, [
      'ingest: invalid configuration: PORT: Invalid input: expected number, received NaN (got "eighty")',
    ]);
  });
});
