import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHANNELS } from '../domain/channels.ts';
import { ConfigError, loadConfig } from './config.ts';
import { withDevSecrets } from './dev-secrets.ts';

describe('config', () => {
  test('defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(c.databaseUrl, 'sqlite://./data/push.db');
    assert.equal(c.keyPrefix, 'push:');
    assert.equal(c.handler.maxAttempts, 5);
  });
  test('invalid values name the variable', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc' }),
      (e: unknown) => e instanceof ConfigError && /^PORT:/.test(e.message),
    );
    assert.throws(() => loadConfig({ REDIS_URL: 'http://x' }), /REDIS_URL/);
    assert.throws(() => loadConfig({ SECRET_KEY: 'short' }), /SECRET_KEY/);
    assert.throws(() => loadConfig({ RETRY_BASE_MS: '5000', RETRY_MAX_MS: '10' }), /RETRY_MAX_MS/);
  });
  test('errors never show a secret: secrets are not echoed, URLs lose their credentials', () => {
    const message = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        assert.doesNotMatch(err.message, /\n/, 'one line');
        return err.message;
      }
      assert.fail('no error');
    };
    const token = message({ ADMIN_TOKEN: 'short-hunter2' });
    assert.match(
      token,
      /^ADMIN_TOKEN: must be at least 16 characters \(the value is secret and not shown\)$/,
    );
    assert.doesNotMatch(token, /hunter2/);
    assert.doesNotMatch(message({ SECRET_KEY: 'hunter2-not-32-bytes' }), /hunter2/);
    // Not secret: echoed, which is what a typo needs.
    assert.equal(message({ LOG_LEVEL: 'verbose' }).endsWith('(got "verbose")'), true);
    const redis = message({ REDIS_URL: 'http://user:hunter2@cache:6379' });
    assert.match(
      redis,
      /^REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL \(got "http:\/\/\*\*\*@cache:6379"\)$/,
    );
    assert.doesNotMatch(message({ DATABASE_URL: 'postgres://app:hun@ter2@db/x' }), /hun|ter2/);
    // V8 quotes the text around a JSON syntax error: the file's secrets must not follow it.
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{"ADMIN_TOKEN": hunter2-in-a-file}');
    const file = message({ CONFIG_FILE: join(dir, 'bad.json') });
    assert.match(file, /^CONFIG_FILE: .*bad\.json is not valid JSON$/);
    assert.doesNotMatch(file, /hunter2/);
    writeFileSync(join(dir, 'short.json'), JSON.stringify({ ADMIN_TOKEN: 'hunter2' }));
    assert.doesNotMatch(message({ CONFIG_FILE: join(dir, 'short.json') }), /hunter2/);
  });
  test('auth throttle: 50 failures/min → 60 s block, loopback exempt; AUTH_EXEMPT=none empties the list', () => {
    assert.deepEqual(loadConfig({}).authThrottle, {
      limit: 50,
      windowS: 60,
      blockS: 60,
      exempt: ['127.0.0.1', '::1'],
    });
    assert.deepEqual(loadConfig({ AUTH_EXEMPT: 'none' }).authThrottle.exempt, []);
    assert.deepEqual(loadConfig({ AUTH_EXEMPT: '10.0.0.0/8, ::1' }).authThrottle.exempt, [
      '10.0.0.0/8',
      '::1',
    ]);
    assert.throws(() => loadConfig({ AUTH_EXEMPT: 'localhost' }), /AUTH_EXEMPT/);
    assert.throws(() => loadConfig({ AUTH_FAIL_LIMIT: '-1' }), /AUTH_FAIL_LIMIT/);
  });

  test('LOG_FORMAT: auto by default, json or pretty forced', () => {
    assert.equal(loadConfig({}).logFormat, 'auto');
    assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), /^ConfigError: LOG_FORMAT: .*\(got "xml"\)$/);
  });
  test('HANDLER_ROUTES picks the routes a handler serves; unset serves all', () => {
    assert.equal(loadConfig({}).handler.routes, undefined);
    assert.deepEqual(loadConfig({ HANDLER_ROUTES: 'sms.auth, email.auth' }).handler.routes, [
      'email.auth',
      'sms.auth',
    ]);
    assert.equal(loadConfig({ HANDLER_ROUTES: '*.auth' }).handler.routes?.length, CHANNELS.length);
    assert.throws(
      () => loadConfig({ HANDLER_ROUTES: '*.urgent' }),
      (e: unknown) =>
        e instanceof ConfigError && /^HANDLER_ROUTES: .*unknown message type urgent/.test(e.message),
    );
    assert.throws(() => loadConfig({ HANDLER_ROUTES: ' , ' }), /HANDLER_ROUTES: names no route/);
  });
  test('file layer under the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ PORT: 4000, KEY_PREFIX: 'x:' }));
    const c = loadConfig({ CONFIG_FILE: file, KEY_PREFIX: 'y:' });
    assert.equal(c.port, 4000);
    assert.equal(c.keyPrefix, 'y:');
    assert.throws(() => loadConfig({ CONFIG_FILE: join(dir, 'missing.json') }), /CONFIG_FILE/);
  });
  test('dev secrets generated once and shared', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const a = withDevSecrets(loadConfig({ DATA_DIR: dir }));
    const b = withDevSecrets(loadConfig({ DATA_DIR: dir }));
    assert.equal(a.secretKey!.length, 32);
    assert.deepEqual(a.secretKey, b.secretKey);
    assert.equal(a.adminToken, b.adminToken);
    assert.equal(a.generated.adminToken, true);
  });
});
