import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskConfig, maskSecret, mergeConfig, validateAccountConfig } from './account-config.ts';

describe('account config rules', () => {
  test('masks credential-like keys, deeply, revealing at most 2 characters', () => {
    const masked = maskConfig({
      host: 'smtp.x.com',
      pass: 'hunter2hunter2',
      apiKey: 'short',
      accessToken: 12345,
      nested: { clientSecret: 'abcdefghijkl', region: 'eu' },
      credentials: { id: 'visible?', list: ['aaaaaaaaaaaa'] },
      emptyPassword: '',
    });
    assert.deepEqual(masked, {
      host: 'smtp.x.com',
      pass: '***r2',
      apiKey: '***',
      accessToken: '***',
      nested: { clientSecret: '***kl', region: 'eu' },
      credentials: { id: '***', list: ['***aa'] },
      emptyPassword: '',
    });
    assert.equal(maskSecret('123456789'), '***');
    assert.equal(maskSecret('1234567890'), '***90');
  });

  test('merge: masked values keep the stored secret, null removes, objects merge', () => {
    const stored = { host: 'a', pass: 'real-secret-1', opts: { token: 'tok-abcdefgh', x: 1 } };
    const r = mergeConfig(stored, {
      host: 'b',
      pass: maskSecret('real-secret-1') as string,
      opts: { token: '***', y: 2 },
      x: null,
    });
    assert.deepEqual(r, {
      config: { host: 'b', pass: 'real-secret-1', opts: { token: 'tok-abcdefgh', x: 1, y: 2 } },
      unknownMasked: [],
    });
    assert.deepEqual(mergeConfig(stored, { pass: 'new-secret' }).config.pass, 'new-secret');
    assert.deepEqual(mergeConfig(stored, { host: null }).config, {
      pass: 'real-secret-1',
      opts: stored.opts,
    });
  });

  test('merge: a masked value with nothing stored is reported', () => {
    const r = mergeConfig({ host: 'a' }, { pass: '***ab' });
    assert.deepEqual(r.unknownMasked, ['config.pass']);
    assert.equal('pass' in r.config, false);
  });

  test('validates providers and configs per channel', () => {
    assert.deepEqual(validateAccountConfig('sandbox', 'sandbox', {}), { ok: true, config: {} });
    const bad = validateAccountConfig('sandbox', 'smtp', {});
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.issues[0]!.path, 'provider');

    const smtp = validateAccountConfig('email', 'smtp', { host: 'h', port: '2525', from: 'a@x.com' });
    assert.deepEqual(smtp, { ok: true, config: { host: 'h', port: 2525, from: 'a@x.com' } });
    const noHost = validateAccountConfig('email', 'smtp', {
      port: 25,
      from: 'a@x.com',
      pass: 'zzzsecretzzz',
    });
    assert.equal(noHost.ok, false);
    if (!noHost.ok) {
      assert.deepEqual(
        noHost.issues.map((i) => i.path),
        ['config.host'],
      );
      assert.ok(!JSON.stringify(noHost.issues).includes('zzzsecretzzz'));
    }
    const userNoPass = validateAccountConfig('email', 'smtp', {
      host: 'h',
      port: 25,
      from: 'a@x.com',
      user: 'u',
    });
    assert.equal(!userNoPass.ok && userNoPass.issues[0]!.path, 'config.pass');
    const unknownKey = validateAccountConfig('email', 'smtp', { host: 'h', port: 25, from: 'f@x', hots: 1 });
    assert.equal(unknownKey.ok, false);

    assert.equal(validateAccountConfig('sms', 'tencent', { secretId: 'x' }).ok, true);
    assert.equal(validateAccountConfig('sms', 'Bad Name', {}).ok, false);
    assert.equal(validateAccountConfig('sms', 'tencent', []).ok, false);
    const big = validateAccountConfig('sms', 'tencent', { cert: 'x'.repeat(40_000) });
    assert.equal(!big.ok && big.issues[0]!.path, 'config');
  });
});
