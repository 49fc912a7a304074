import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sandboxConfig } from '../channels/providers/sandbox/definition.ts';
import { smtpConfig } from '../channels/providers/smtp/definition.ts';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAccountsRepo } from './accounts.ts';
import { createAppsRepo } from './apps.ts';
import { createTemplatesRepo } from './templates.ts';

const isCode = (code: string, path?: string) => (e: unknown) =>
  e instanceof AppError && e.code === code && (!path || JSON.stringify(e.details).includes(`"${path}"`));

const SECRET = 'smtp-pass-Zq81x';
const smtp = {
  host: 'smtp.x.com',
  port: 465,
  secure: true,
  user: 'u',
  pass: SECRET,
  from: 'Shop <no-reply@x.com>',
};

/**
 * A config as the SMTP sender will read it (schema defaults filled in): stored configs are
 * compared by what they mean, whether or not the repo keeps the defaults in the stored copy.
 */
const effectiveSmtp = (config: unknown) => smtpConfig.parse(config);

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`accounts repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let accounts: ReturnType<typeof createAccountsRepo>;
    const secretKey = randomBytes(32);
    before(async () => {
      t = await testDb(dialect);
      accounts = createAccountsRepo(t.db, { secretKey });
    });
    after(() => t.cleanup());

    test('create seals the config; reads mask it; getWithSecrets opens it', async () => {
      const a = await accounts.create({
        name: 'mail',
        channel: 'email',
        provider: 'smtp',
        config: smtp,
        rateLimit: 5,
      });
      assert.equal(a.channel, 'email');
      assert.equal(a.rateLimit, 5);
      assert.equal(a.rateBurst, null);
      assert.equal(a.config.pass, '***', 'the secret is masked, nothing of it shown');
      assert.deepEqual(effectiveSmtp(a.config), effectiveSmtp({ ...smtp, pass: '***' }), 'the rest as given');
      const row = await t.db
        .selectFrom('channel_accounts')
        .selectAll()
        .where('id', '=', a.id)
        .executeTakeFirstOrThrow();
      assert.match(row.config_sealed, /^v1\./);
      assert.ok(!row.config_sealed.includes(SECRET) && !row.config_sealed.includes('smtp.x.com'));
      assert.ok(!JSON.stringify(await accounts.get(a.id)).includes(SECRET));
      assert.ok(!JSON.stringify(await accounts.list()).includes(SECRET));
      assert.deepEqual(effectiveSmtp((await accounts.getWithSecrets(a.id))?.config), effectiveSmtp(smtp));
    });

    test('create validates channel, provider and config', async () => {
      await assert.rejects(
        accounts.create({ name: 'x', channel: 'pigeon' as 'sms', provider: 'p', config: {} }),
        isCode('VALIDATION_FAILED', 'channel'),
      );
      await assert.rejects(
        accounts.create({ name: 'x', channel: 'sandbox', provider: 'smtp', config: {} }),
        isCode('VALIDATION_FAILED', 'provider'),
      );
      await assert.rejects(
        accounts.create({ name: 'x', channel: 'email', provider: 'smtp', config: { ...smtp, port: 'abc' } }),
        isCode('VALIDATION_FAILED', 'config.port'),
      );
      // A provider its channel does not list is refused, naming those it lists.
      await assert.rejects(
        accounts.create({ name: 'x', channel: 'sms', provider: 'nope', config: { secretId: 'id' } }),
        (e: unknown) =>
          isCode('VALIDATION_FAILED', 'provider')(e) && /takes provider/.test((e as AppError).message),
      );
      await assert.rejects(
        accounts.create({ name: 'x', channel: 'sandbox', provider: 'sandbox', config: { failRate: 7 } }),
        isCode('VALIDATION_FAILED', 'config.failRate'),
      );
      const sb = await accounts.create({
        name: 'sb-ok',
        channel: 'sandbox',
        provider: 'sandbox',
        config: { failAttempts: 1 },
      });
      assert.equal(sb.provider, 'sandbox');
      assert.equal(sb.config.failAttempts, 1);
      assert.equal((await accounts.list({ name: 'x' })).total, 0, 'nothing half-written');
    });

    test('update merges config; a masked value sent back keeps the stored secret', async () => {
      const a = await accounts.create({ name: 'm2', channel: 'email', provider: 'smtp', config: smtp });
      const u = await accounts.update(a.id, { name: 'm2b', config: { ...a.config, host: 'smtp2.x.com' } });
      assert.equal(u.name, 'm2b');
      assert.equal(u.config.host, 'smtp2.x.com');
      assert.ok(u.updatedAt > a.updatedAt);
      assert.equal((await accounts.getWithSecrets(a.id))?.config.pass, SECRET);
      await accounts.update(a.id, { config: { pass: 'new-password-77' } });
      const s = await accounts.getWithSecrets(a.id);
      assert.equal(s?.config.pass, 'new-password-77');
      assert.equal(s?.config.host, 'smtp2.x.com');
      // an invalid merged config changes nothing
      await assert.rejects(
        accounts.update(a.id, { config: { port: 0 } }),
        isCode('VALIDATION_FAILED', 'config.port'),
      );
      await assert.rejects(
        accounts.update(a.id, { config: { host: null } }),
        isCode('VALIDATION_FAILED', 'config.host'),
      );
      assert.equal((await accounts.getWithSecrets(a.id))?.config.port, 465);
      await assert.rejects(accounts.update(a.id, { channel: 'sms' }), isCode('VALIDATION_FAILED', 'channel'));
      await assert.rejects(accounts.update(999_999, { name: 'x' }), isCode('ACCOUNT_NOT_FOUND'));
      // `***` for a secret with nothing stored behind it is a client bug, not a password.
      const noPass = await accounts.create({
        name: 'm3',
        channel: 'email',
        provider: 'smtp',
        config: { host: 'h', port: 25, from: 'a@x.com' },
      });
      await assert.rejects(
        accounts.update(noPass.id, { config: { user: 'u', pass: '***' } }),
        isCode('VALIDATION_FAILED', 'config.pass'),
      );
      assert.equal((await accounts.getWithSecrets(noPass.id))?.config.user, undefined, 'nothing changed');
    });

    test('concurrent config patches both land', async () => {
      const a = await accounts.create({ name: 'race', channel: 'sandbox', provider: 'sandbox', config: {} });
      const patches = [
        { failAttempts: 1 },
        { failCode: 'BUSY' },
        { retryAfterMs: 5 },
        { latencyJitterMs: 3 },
        { inboxCap: 7 },
      ];
      await Promise.all(patches.map((config) => accounts.update(a.id, { config })));
      const s = await accounts.getWithSecrets(a.id);
      assert.deepEqual(sandboxConfig.parse(s?.config), sandboxConfig.parse(Object.assign({}, ...patches)));
    });

    test('list filters by channel and name, pages', async () => {
      const r = await accounts.list({ channel: 'email' });
      assert.ok(r.total >= 2);
      assert.ok(r.items.every((a) => a.channel === 'email'));
      const p = await accounts.list({ channel: 'email', pageSize: 1, page: 2 });
      assert.equal(p.items.length, 1);
      assert.equal(p.total, r.total);
      assert.deepEqual(
        (await accounts.list({ name: 'm2b' })).items.map((a) => a.name),
        ['m2b'],
      );
    });

    test('soft delete, in-use refusal, restore', async () => {
      const a = await accounts.create({ name: 'del', channel: 'sandbox', provider: 'sandbox', config: {} });
      const templates = createTemplatesRepo(t.db);
      const owner = await createAppsRepo(t.db, { secretKey: randomBytes(32) }).create({ name: 'owner' });
      const tpl = await templates.create({
        appId: owner.app.id,
        name: 'uses',
        channel: 'sandbox',
        messageType: 'notice',
        accountId: a.id,
        content: { text: 'hi' },
      });
      await assert.rejects(accounts.softDelete(a.id), (e: unknown) => {
        return e instanceof AppError && e.code === 'ACCOUNT_IN_USE' && e.status === 409;
      });
      await templates.softDelete(tpl.id);
      await accounts.softDelete(a.id);
      assert.equal(await accounts.get(a.id), undefined);
      assert.equal(await accounts.getWithSecrets(a.id), undefined);
      assert.ok((await accounts.get(a.id, { includeDeleted: true }))?.deletedAt);
      await assert.rejects(accounts.softDelete(a.id), isCode('ACCOUNT_NOT_FOUND'));
      assert.equal((await accounts.restore(a.id)).deletedAt, null);
      assert.ok(await accounts.get(a.id));
      await assert.rejects(accounts.restore(999_999), isCode('ACCOUNT_NOT_FOUND'));
    });

    test('a different key cannot read configs: reads flag it, secrets throw, a full config repairs', async () => {
      const a = await accounts.create({ name: 'k', channel: 'email', provider: 'smtp', config: smtp });
      const other = createAccountsRepo(t.db, { secretKey: randomBytes(32) });
      const g = await other.get(a.id);
      assert.equal(g?.configUnreadable, true);
      assert.deepEqual(g?.config, {});
      await assert.rejects(other.getWithSecrets(a.id), isCode('SEALED_UNREADABLE'));
      await assert.rejects(other.update(a.id, { name: 'k2' }), isCode('SEALED_UNREADABLE'));
      await other.update(a.id, { config: smtp });
      assert.deepEqual(effectiveSmtp((await other.getWithSecrets(a.id))?.config), effectiveSmtp(smtp));
    });
  });
}
