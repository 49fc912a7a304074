import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testEnvironment } from '../config/test-env.ts';
import { isPretty, type LogFormat } from './logger.ts';

const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Logs one line with a secret field in a child process; what its stdout got. */
function logIn(format: LogFormat | undefined, opts: { tty?: boolean } = {}): string {
  const code = [
    `const { createLogger } = await import(${JSON.stringify(logger)});`,
    `const log = createLogger({ level: 'info', name: 'probe'${format ? `, format: '${format}'` : ''} });`,
    `log.info({ route: 'sms.auth', config: { pass: 'hunter2-secret' } }, 'started');`,
  ].join(' ');
  const argv = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', code];
  // `script` gives the child a pseudo-terminal as stdout (util-linux), as a shell would.
  const r = opts.tty
    ? spawnSync(
        'script',
        ['-qec', argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '), '/dev/null'],
        {
          encoding: 'utf8',
          env: { ...testEnvironment().inherited, TERM: 'dumb' },
        },
      )
    : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /hunter2/, 'a secret reached the log');
  return r.stdout;
}

describe('logger format', () => {
  test('auto is pretty on a terminal only; json and pretty force it', () => {
    assert.equal(isPretty('auto', true), true);
    assert.equal(isPretty('auto', false), false);
    assert.equal(isPretty('json', true), false);
    assert.equal(isPretty('pretty', false), true);
  });

  test('piped (not a terminal), the default is one JSON object a line, redacted', () => {
    const out = logIn(undefined).trim();
    const line = JSON.parse(out) as Record<string, unknown>;
    assert.equal(line.msg, 'started');
    assert.equal(line.name, 'probe');
    assert.deepEqual(line.config, { pass: '[redacted]' });
    assert.deepEqual(JSON.parse(logIn('json').trim()).msg, 'started');
  });

  test('pretty is a human line: time, level, name, message, then fields; secrets still redacted', () => {
    const out = logIn('pretty');
    assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(probe\): started\n/);
    assert.match(out, /route: "sms\.auth"/);
    assert.match(out, /"pass": "\[redacted\]"/);
    assert.throws(() => JSON.parse(out));
  });

  test('on a terminal, auto prints pretty lines and LOG_FORMAT=json still gets JSON', {
    skip: !existsSync('/usr/bin/script') && 'util-linux `script` (a pseudo-terminal) is not installed',
  }, () => {
    assert.match(logIn('auto', { tty: true }), /INFO \(probe\): started/);
    const json = logIn('json', { tty: true }).trim();
    assert.equal((JSON.parse(json) as { msg: string }).msg, 'started');
  });
});
