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
