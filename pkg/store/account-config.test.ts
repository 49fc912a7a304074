import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { catalog, createCatalog } from '../channels/catalog.ts';
import { sandbox } from '../channels/providers/sandbox/definition.ts';
import { smtp } from '../channels/providers/smtp/definition.ts';
import { secret, secretPaths } from '../channels/secret.ts';
import {
  type ConfigObject,
  MASK,
  maskConfig,
  mergeConfig,
  providerOf,
  validateAccountConfig,
  validateTemplateContent,
} from './account-config.ts';

/** A config schema with secrets at every kind of place (nested, list items, record values, a whole object). */
const deepSchema = z.object({
  host: z.string(),
  apiKey: z.string(),
  nested: z.object({ clientSecret: secret(z.string()), region: z.string() }),
  keys: z.array(secret(z.string())),
  perTenant: z.record(z.string(), z.object({ token: secret(z.string()), name: z.string() })),
  credentials: secret(z.object({ id: z.string(), list: z.array(z.string()) })),
});

describe('account config rules', () => {
  test('the SMTP schema marks its password secret, and only that is masked, as ***', () => {
    const paths = catalog.secretPaths(smtp);
    assert.deepEqual(paths, [['pass']]);
    assert.equal(MASK, '***');
    const masked = maskConfig(
      { host: 'smtp.x.com', port: 587, user: 'mailer', pass: 'hunter2hunter2', from: 'a@x.com' },
      paths,
    );
    assert.deepEqual(masked, { host: 'smtp.x.com', port: 587, user: 'mailer', pass: '***', from: 'a@x.com' });
    assert.doesNotMatch(JSON.stringify(masked), /hunter2/);
    // "Not set" stays tellable from "set".
    assert.deepEqual(maskConfig({ host: 'h', pass: '' }, paths), { host: 'h', pass: '' });
    assert.deepEqual(maskConfig({ host: 'h' }, paths), { host: 'h' });
  });

  test('masks the schema marks deeply, whatever the values; unmarked keys stay visible whatever their names', () => {
    const paths = secretPaths(deepSchema);
    const masked = maskConfig(
      {
        host: 'h',
        apiKey: 'not-marked-so-visible',
        nested: { clientSecret: 'abcdefghijkl', region: 'eu' },
        keys: ['k-aaaaaaaaaaaa', 'k-bbbbbbbbbbbb'],
        perTenant: { acme: { token: 'tok-1234567890', name: 'Acme' } },
        credentials: { id: 'visible?', list: ['aaaaaaaaaaaa'] },
      },
      paths,
    );
    assert.deepEqual(masked, {
      host: 'h',
      apiKey: 'not-marked-so-visible',
      nested: { clientSecret: '***', region: 'eu' },
      keys: ['***', '***'],
      perTenant: { acme: { token: '***', name: 'Acme' } },
      credentials: '***',
    });
    // A secret of any type is masked (a number credential too).
    assert.deepEqual(maskConfig({ nested: { clientSecret: 12345 } }, paths), {
      nested: { clientSecret: '***' },
    });
  });

  test('every provider: a masked config shows no character of any secret, and *** sent back keeps it', () => {
    // A config with a distinct random value at every secret place of each provider's schema
    // (`*` = two record keys / list items), merged over nothing so only the secrets are set.
    const fill = (path: readonly string[], value: string): ConfigObject => {
      const [head, ...rest] = path;
      if (head === undefined) return {};
      const inner = (k: string) => (rest.length ? fill(rest, `${value}-${k}`) : `${value}-${k}`);
      return head === '*' ? { a: inner('a'), b: inner('b') } : { [head]: inner(head) };
    };
    let checked = 0;
    for (const d of catalog.list) {
      const paths = catalog.secretPaths(d);
      const secrets: string[] = [];
      let config: ConfigObject = { visible: 'shown' };
      for (const [i, p] of paths.entries()) {
        const value = `S${i}${randomBytes(12).toString('hex')}`;
        config = mergeConfig(config, fill(p, value), []).config;
        secrets.push(value);
      }
      const text = JSON.stringify(maskConfig(config, paths));
      assert.match(text, /"visible":"shown"/, `${d.provider}: only secrets are masked`);
      for (const v of secrets) {
        // Any 4 characters of the random part would be a hint; none may show.
        for (let at = 2; at + 4 <= v.length; at += 4) {
          assert.ok(
            !text.includes(v.slice(at, at + 4)),
            `${d.channel}/${d.provider}: ${text} reveals part of a secret`,
          );
        }
      }
      assert.deepEqual(
        mergeConfig(config, JSON.parse(text) as ConfigObject, paths).config,
        config,
        `${d.channel}/${d.provider}: the masked config sent back unchanged keeps every secret`,
      );
      if (d.provider !== 'sandbox') assert.ok(paths.length > 0, `${d.provider}: a provider with no secret?`);
      checked += paths.length;
    }
    assert.ok(checked > catalog.list.length, 'the secrets of every provider were checked');
  });

  test('merge: *** under a secret keeps the stored secret, null removes, objects merge', () => {
    const paths = secretPaths(deepSchema);
    const stored = {
      host: 'a',
      nested: { clientSecret: 'real-secret-1', region: 'eu' },
      perTenant: { acme: { token: 'tok-abcdefgh', name: 'Acme' } },
      x: 1,
    };
    // What a form sends back after a read: the masked config with some edits.
    const r = mergeConfig(
      stored,
      {
        host: 'b',
        nested: { clientSecret: MASK, region: 'us' },
        perTenant: { acme: { token: MASK, name: 'Acme Inc' } },
        x: null,
      },
      paths,
    );
    assert.deepEqual(r, {
      config: {
        host: 'b',
        nested: { clientSecret: 'real-secret-1', region: 'us' },
        perTenant: { acme: { token: 'tok-abcdefgh', name: 'Acme Inc' } },
      },
      unknownMasked: [],
    });
    assert.deepEqual(mergeConfig(stored, { nested: { clientSecret: 'new-secret' } }, paths).config.nested, {
      clientSecret: 'new-secret',
      region: 'eu',
    });
    assert.deepEqual(mergeConfig(stored, { host: null }, paths).config, {
      nested: stored.nested,
      perTenant: stored.perTenant,
      x: 1,
    });

    const smtpPaths = catalog.secretPaths(smtp);
    const smtpStored = { host: 'a', user: 'u', pass: 'real-pass' };
    assert.deepEqual(mergeConfig(smtpStored, { host: 'b', pass: MASK }, smtpPaths).config, {
      host: 'b',
      user: 'u',
      pass: 'real-pass',
    });
    assert.equal(mergeConfig(smtpStored, { pass: 'new-pass' }, smtpPaths).config.pass, 'new-pass');
    // `***` in a field that is not secret is a value like any other.
    assert.equal(mergeConfig(smtpStored, { user: MASK }, smtpPaths).config.user, MASK);
  });

  test('merge: a masked value with nothing stored behind it is reported, not stored', () => {
    const r = mergeConfig({ host: 'a' }, { pass: MASK }, catalog.secretPaths(smtp));
    assert.deepEqual(r.unknownMasked, ['config.pass']);
    assert.equal('pass' in r.config, false);
    const deep = mergeConfig(
      { nested: { region: 'eu' } },
      { nested: { clientSecret: MASK } },
      secretPaths(deepSchema),
    );
    assert.deepEqual(deep.unknownMasked, ['config.nested.clientSecret']);
    assert.deepEqual(deep.config, { nested: { region: 'eu' } });
  });

  test('providers: only listed ones are accepted; the issue names what the channel takes', () => {
    const ok = providerOf('email', 'smtp');
    assert.ok(ok.ok);
    assert.equal(ok.definition, smtp);

    const wrong = validateAccountConfig('sandbox', 'smtp', {});
    assert.ok(!wrong.ok);
    assert.deepEqual(wrong.issues, [{ path: 'provider', message: 'channel sandbox takes provider sandbox' }]);
    const unknown = validateAccountConfig('email', 'sendgrid', {});
    assert.ok(!unknown.ok);
    assert.equal(unknown.issues[0]!.path, 'provider');
    assert.match(unknown.issues[0]!.message, /smtp/);
    assert.equal(validateAccountConfig('email', '__proto__', {}).ok, false);

    // A provider the channel does not list is refused, naming those it lists.
    const sms = validateAccountConfig('sms', 'nope', { secretId: 'x', secretKey: 'y' });
    assert.ok(!sms.ok);
    assert.equal(sms.issues[0]!.path, 'provider');
    assert.match(sms.issues[0]!.message, /channel sms takes provider .*aliyun/);
    // The same rule over any list: an empty one has no provider for any channel.
    const none = providerOf('email', 'smtp', createCatalog([]));
    assert.ok(!none.ok);
    assert.match(none.issues[0]!.message, /channel email has no provider yet/);
    const onlySandbox = createCatalog([sandbox]);
    assert.equal(
      validateAccountConfig('email', 'smtp', { host: 'h', port: 25, from: 'a@x.com' }, onlySandbox).ok,
      false,
    );
    assert.equal(validateAccountConfig('sandbox', 'sandbox', {}, onlySandbox).ok, true);
  });

  test('configs are parsed by the provider schema, issues name fields and never values', () => {
    const sb = validateAccountConfig('sandbox', 'sandbox', {});
    assert.ok(sb.ok);
    assert.deepEqual(sb.config, {}, 'what was given is stored: defaults are applied when read');

    const good = validateAccountConfig('email', 'smtp', { host: 'h', port: '2525', from: 'a@x.com' });
    assert.ok(good.ok);
    assert.equal(smtp.config.parse(good.config).port, 2525, 'form strings coerced when read');
    assert.equal(good.config.host, 'h');

    const noHost = validateAccountConfig('email', 'smtp', {
      port: 25,
      from: 'a@x.com',
      pass: 'zzzsecretzzz',
    });
    assert.ok(!noHost.ok);
    assert.deepEqual(
      noHost.issues.map((i) => i.path),
      ['config.host'],
    );
    assert.ok(!JSON.stringify(noHost.issues).includes('zzzsecretzzz'));
    const userNoPass = validateAccountConfig('email', 'smtp', {
      host: 'h',
      port: 25,
      from: 'a@x.com',
      user: 'u',
    });
    assert.equal(!userNoPass.ok && userNoPass.issues[0]!.path, 'config.pass');
    assert.equal(
      validateAccountConfig('email', 'smtp', { host: 'h', port: 25, from: 'f@x', hots: 1 }).ok,
      false,
    );
    assert.equal(validateAccountConfig('sandbox', 'sandbox', []).ok, false);
    assert.equal(validateAccountConfig('sandbox', 'sandbox', { failRate: 7 }).ok, false);

    const big = validateAccountConfig('sandbox', 'sandbox', {
      rejectReceivers: Array.from({ length: 4000 }, (_, i) => `user-${i}@example.com`),
    });
    assert.ok(!big.ok);
    assert.equal(big.issues[0]!.path, 'config');
  });

  test('template content is checked by the provider content schema, issues under content.', () => {
    const ok = validateTemplateContent(smtp, { subject: 'Hi {$name}', text: 'Hello {$name}' });
    assert.deepEqual(ok, { ok: true, content: { subject: 'Hi {$name}', text: 'Hello {$name}' } });
    const noBody = validateTemplateContent(smtp, { subject: 'Hi' });
    assert.ok(!noBody.ok);
    assert.deepEqual(
      noBody.issues.map((i) => i.path),
      ['content.html'],
    );
    const noSubject = validateTemplateContent(smtp, { text: 'x' });
    assert.equal(!noSubject.ok && noSubject.issues[0]!.path, 'content.subject');
    assert.equal(validateTemplateContent(sandbox, { text: 'Hello {$name}' }).ok, true);
    assert.equal(validateTemplateContent(sandbox, {}).ok, false);
  });
});
