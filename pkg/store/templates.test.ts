import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../domain/errors.ts';
import { testDb } from '../testkit/testkit.ts';
import { createAccountsRepo } from './accounts.ts';
import { createAppsRepo } from './apps.ts';
import { createTemplatesRepo } from './templates.ts';

const isInvalid = (path: string) => (e: unknown) =>
  e instanceof AppError && e.status === 422 && (e.details as { path: string }[]).some((d) => d.path === path);
const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

for (const dialect of ['sqlite', 'mysql'] as const) {
  describe(`templates repo (${dialect})`, () => {
    let t: Awaited<ReturnType<typeof testDb>>;
    let templates: ReturnType<typeof createTemplatesRepo>;
    let sandboxId: number;
    let emailId: number;
    let appId: number;
    let otherAppId: number;
    const clock = 1_700_000_000_000;
    before(async () => {
      t = await testDb(dialect);
      const accounts = createAccountsRepo(t.db, { secretKey: randomBytes(32) });
      const apps = createAppsRepo(t.db, { secretKey: randomBytes(32) });
      appId = (await apps.create({ name: 'shop' })).app.id;
      otherAppId = (await apps.create({ name: 'other' })).app.id;
      sandboxId = (await accounts.create({ name: 'sb', channel: 'sandbox', provider: 'sandbox', config: {} }))
        .id;
      emailId = (
        await accounts.create({
          name: 'mail',
          channel: 'email',
          provider: 'smtp',
          config: { host: 'h', port: 25, from: 'a@x.com' },
        })
      ).id;
      // A frozen clock: updates must still move updatedAt forward.
      templates = createTemplatesRepo(t.db, { now: () => clock });
    });
    after(() => t.cleanup());

    const minimal = () => ({
      name: 'welcome',
      channel: 'sandbox' as const,
      messageType: 'notice' as const,
      accountId: sandboxId,
      content: { text: 'Hello {$name}' },
      appId,
    });

    test('create with the minimal body fills defaults', async () => {
      const tpl = await templates.create(minimal());
      assert.deepEqual(
        { ...tpl, id: 0 },
        {
          id: 0,
          name: 'welcome',
          channel: 'sandbox',
          messageType: 'notice',
          accountId: sandboxId,
          content: { text: 'Hello {$name}' },
          status: 'active',
          shield: 'none',
          timezone: null,
          appId,
          sharedWithApps: [],
          version: 1,
          sensitive: 'none',
          cron: null,
          description: null,
          createdAt: clock,
          updatedAt: clock,
          deletedAt: null,
        },
      );
      assert.deepEqual(await templates.get(tpl.id), tpl);
      assert.deepEqual(await templates.getActive(tpl.id), tpl);
    });

    test('create validates content per channel, naming the field', async () => {
      const email = { ...minimal(), channel: 'email' as const, accountId: emailId };
      await assert.rejects(
        templates.create({ ...email, content: { text: 'x' } }),
        isInvalid('content.subject'),
      );
      const ok = await templates.create({ ...email, content: { subject: 'Hi {$name}', html: '<b>x</b>' } });
      assert.deepEqual(ok.content, { subject: 'Hi {$name}', html: '<b>x</b>' });
      await assert.rejects(templates.create({ ...minimal(), content: {} }), isInvalid('content'));
      await assert.rejects(
        templates.create({ ...minimal(), messageType: 'spam' as 'auth' }),
        isInvalid('messageType'),
      );
      await assert.rejects(templates.create({ ...minimal(), status: 'on' as 'active' }), isInvalid('status'));
      await assert.rejects(templates.create({ ...minimal(), shield: 'x' as 'none' }), isInvalid('shield'));
      await assert.rejects(templates.create({ ...minimal(), timezone: 'Mars/Base' }), isInvalid('timezone'));
      await assert.rejects(templates.create({ ...minimal(), cron: '61 * * * *' }), isInvalid('cron'));
      const sched = await templates.create({
        ...minimal(),
        cron: '0 9 * * 1',
        timezone: 'Asia/Shanghai',
        shield: 'delay',
      });
      assert.equal(sched.cron, '0 9 * * 1');
      assert.equal(sched.timezone, 'Asia/Shanghai');
      assert.equal(sched.shield, 'delay');
    });

    test('a template belongs to a live app and may be shared with live apps; every edit moves its version', async () => {
      const { appId: _drop, ...ownerless } = minimal();
      await assert.rejects(templates.create(ownerless as ReturnType<typeof minimal>), isInvalid('appId'));
      await assert.rejects(templates.create({ ...minimal(), appId: 999_999 }), isInvalid('appId'));
      await assert.rejects(
        templates.create({ ...minimal(), sharedWithApps: [otherAppId, 999_998] }),
        isInvalid('sharedWithApps.1'),
      );
      const tpl = await templates.create({ ...minimal(), sharedWithApps: [otherAppId, otherAppId] });
      assert.deepEqual(tpl.sharedWithApps, [otherAppId]);
      assert.equal(tpl.version, 1);
      const u = await templates.update(tpl.id, { sensitive: 'mask' });
      assert.equal(u.version, 2);
      assert.equal(u.sensitive, 'mask');
      assert.equal((await templates.setStatus(tpl.id, 'paused')).version, 3);
      const moved = await templates.update(tpl.id, { appId: otherAppId, sharedWithApps: [] });
      assert.deepEqual([moved.appId, moved.sharedWithApps, moved.version], [otherAppId, [], 4]);
      assert.deepEqual(
        (await templates.list({ appId: otherAppId })).items.map((x) => x.id),
        [tpl.id],
      );
    });

    test('the account must exist, be live and be of the same channel', async () => {
      await assert.rejects(templates.create({ ...minimal(), accountId: 999_999 }), isInvalid('accountId'));
      await assert.rejects(templates.create({ ...minimal(), accountId: emailId }), isInvalid('accountId'));
      const before = (await templates.list({ includeDeleted: true })).total;
      await assert.rejects(templates.create({ ...minimal(), accountId: 999_999 }));
      assert.equal((await templates.list({ includeDeleted: true })).total, before);
    });

    test('update merges, revalidates and bumps updatedAt even on a frozen clock', async () => {
      const tpl = await templates.create({ ...minimal(), name: 'upd' });
      const u1 = await templates.update(tpl.id, { content: { text: 'Bye {$name}' }, description: 'd' });
      assert.deepEqual(u1.content, { text: 'Bye {$name}' });
      assert.equal(u1.description, 'd');
      assert.equal(u1.name, 'upd');
      assert.ok(u1.updatedAt > tpl.updatedAt);
      const u2 = await templates.setStatus(tpl.id, 'paused');
      assert.equal(u2.status, 'paused');
      assert.ok(u2.updatedAt > u1.updatedAt);
      // switching channel needs an account of the new channel and content of its provider
      await assert.rejects(templates.update(tpl.id, { channel: 'email' }), isInvalid('accountId'));
      await assert.rejects(
        templates.update(tpl.id, { channel: 'email', accountId: emailId }),
        isInvalid('content.subject'),
      );
      await assert.rejects(
        templates.update(tpl.id, { channel: 'email', content: { subject: 's', text: 't' } }),
        isInvalid('accountId'),
      );
      const moved = await templates.update(tpl.id, {
        channel: 'email',
        accountId: emailId,
        content: { subject: 's', text: 't' },
      });
      assert.equal(moved.channel, 'email');
      await assert.rejects(templates.update(tpl.id, { timezone: 'nope' }), isInvalid('timezone'));
      assert.equal((await templates.update(tpl.id, { timezone: 'Europe/Paris' })).timezone, 'Europe/Paris');
      assert.equal((await templates.update(tpl.id, { timezone: null })).timezone, null);
      await assert.rejects(templates.update(999_999, { name: 'x' }), isCode('TEMPLATE_NOT_FOUND'));
    });

    test('list filters by channel, name, status; pages', async () => {
      const all = await templates.list({});
      assert.ok(all.total >= 4);
      const email = await templates.list({ channel: 'email' });
      assert.ok(email.items.length >= 1 && email.items.every((x) => x.channel === 'email'));
      const paused = await templates.list({ status: 'paused' });
      assert.ok(paused.items.every((x) => x.status === 'paused'));
      assert.deepEqual(
        (await templates.list({ name: 'upd' })).items.map((x) => x.name),
        ['upd'],
      );
      const page = await templates.list({ page: 2, pageSize: 1 });
      assert.equal(page.items.length, 1);
      assert.equal(page.items[0]!.id, all.items[1]!.id);
    });

    test('soft delete hides from get/getActive/list; restore needs a live account', async () => {
      const accounts = createAccountsRepo(t.db, { secretKey: randomBytes(32) });
      const acc = await accounts.create({ name: 'tmp', channel: 'sandbox', provider: 'sandbox', config: {} });
      const tpl = await templates.create({ ...minimal(), name: 'bye', accountId: acc.id });
      await templates.softDelete(tpl.id);
      assert.equal(await templates.get(tpl.id), undefined);
      assert.equal(await templates.getActive(tpl.id), undefined);
      assert.equal((await templates.list({ name: 'bye' })).total, 0);
      assert.equal((await templates.list({ name: 'bye', includeDeleted: true })).total, 1);
      await assert.rejects(templates.softDelete(tpl.id), isCode('TEMPLATE_NOT_FOUND'));
      await assert.rejects(templates.update(tpl.id, { name: 'x' }), isCode('TEMPLATE_NOT_FOUND'));
      await accounts.softDelete(acc.id);
      await assert.rejects(templates.restore(tpl.id), isCode('ACCOUNT_DELETED'));
      await accounts.restore(acc.id);
      const back = await templates.restore(tpl.id);
      assert.equal(back.deletedAt, null);
      assert.ok(await templates.getActive(tpl.id));
      await assert.rejects(templates.restore(999_999), isCode('TEMPLATE_NOT_FOUND'));
    });

    test('deletes and restores racing each other end in a template, a 404 or a 409, never a crash', async () => {
      const tpl = await templates.create({ ...minimal(), name: 'racing' });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          i % 2 ? templates.softDelete(tpl.id) : templates.restore(tpl.id),
        ),
      );
      const unexpected = outcomes.filter(
        (o) =>
          o.status === 'rejected' &&
          !['TEMPLATE_NOT_FOUND', 'CONFLICT'].includes((o.reason as { code?: string }).code ?? ''),
      );
      assert.deepEqual(
        unexpected.map((o) => String((o as PromiseRejectedResult).reason)),
        [],
      );
      const restored = await templates.restore(tpl.id).catch(() => templates.restore(tpl.id));
      assert.equal(restored.deletedAt, null);
    });
  });
}
