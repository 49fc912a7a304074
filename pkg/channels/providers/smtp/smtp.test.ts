import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Delivery } from '../../../domain/delivery.ts';
import { newId } from '../../../domain/ids.ts';
import { renderContent } from '../../../domain/render.ts';
import type { Template } from '../../../domain/template.ts';
import { testKit } from '../../../testkit/kit.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { type SmtpServerFixture, startSmtpServer } from '../../../testkit/smtp.ts';
import { freePort, testRedis, waitFor } from '../../../testkit/testkit.ts';
import type { Kit } from '../../kit/types.ts';
import { buildSender, type ChannelSender, type SenderAccount } from '../../sender.ts';
import { emailMessageId } from './client.ts';
import { smtp as smtpProvider } from './definition.ts';

const template: Template = testTemplate({
  id: 7,
  name: 'welcome',
  channel: 'email',
  content: {
    subject: 'Welcome, {$name} — 你好',
    html: '<p>Hello <b>{$name}</b>, order {$order}</p>',
    text: 'Hello {$name}, order {$order}',
  },
});

const delivery = (receiver: string, attempt = 1): Delivery =>
  testDelivery({ requestId: newId(), templateId: template.id, channel: 'email', receiver, attempt });

const account = (config: Record<string, unknown>, id = 1): SenderAccount => ({
  id,
  channel: 'email',
  provider: 'smtp',
  config: { host: '127.0.0.1', from: 'Pushline <no-reply@pushline.test>', ...config },
  updatedAt: 1,
});

const send = (sender: ChannelSender, d: Delivery, vars: Record<string, unknown>) =>
  sender.send({ delivery: d, template, content: renderContent(template.content, vars) });

describe('email sender over SMTP', () => {
  let smtp: SmtpServerFixture;
  let r: Awaited<ReturnType<typeof testRedis>>;
  let kit: Kit;
  const senders: ChannelSender[] = [];
  /** A sender of `acct` built from the SMTP definition, closed after the suite. */
  const senderOf = (acct: SenderAccount): ChannelSender => {
    const s = buildSender(smtpProvider, acct, kit);
    senders.push(s);
    return s;
  };

  before(async () => {
    smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 's3cret' } });
    r = await testRedis();
    kit = testKit({ redis: r.redis, keys: r.keys });
  });
  after(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await smtp.close();
    await kit.http.close();
    await r.cleanup();
  });

  const good = () => account({ port: smtp.port, user: 'mailer', pass: 's3cret' });

  test('delivers one mail per receiver with the rendered subject, html, text and a deterministic Message-ID', async () => {
    smtp.reset();
    smtp.setMode('accept');
    const acct = good();
    const sender = senderOf(acct);
    const receivers = ['ann@example.com', 'bob@example.com', 'cy@example.com'];
    const ds = receivers.map((r) => delivery(r));
    const outcomes = await Promise.all(
      ds.map((d, i) => send(sender, d, { name: `<i>${receivers[i]}</i>`, order: i + 1 })),
    );
    for (const [i, o] of outcomes.entries()) {
      assert.deepEqual(o, { ok: true, providerMessageId: emailMessageId(ds[i]!.id) });
    }
    assert.equal(smtp.messages.length, 3);
    for (const [i, d] of ds.entries()) {
      const m = smtp.messages.find((x) => x.pushMessageId === d.id);
      assert.ok(m, `mail of ${d.receiver} arrived`);
      assert.deepEqual(m.envelopeTo, [d.receiver], 'only this receiver in the envelope');
      assert.deepEqual(m.to, [d.receiver], 'only this receiver in To');
      assert.equal(m.messageId, `<${d.id}@pushline>`);
      assert.equal(m.subject, `Welcome, <i>${d.receiver}</i> — 你好`);
      assert.equal(m.text, `Hello <i>${d.receiver}</i>, order ${i + 1}`);
      assert.equal(m.html, `<p>Hello <b>&lt;i&gt;${d.receiver}&lt;/i&gt;</b>, order ${i + 1}</p>`);
      assert.equal(m.envelopeFrom, 'no-reply@pushline.test');
    }
  });

  test('text-only content arrives as a plain mail with the exact text', async () => {
    smtp.reset();
    smtp.setMode('accept');
    const acct = good();
    const sender = senderOf(acct);
    const d = delivery('plain@example.com');
    const content = { subject: 'Code', text: 'Your code is 123456\nIt expires in 5 minutes.' };
    assert.equal((await sender.send({ delivery: d, template, content })).ok, true);
    const m = smtp.messages[0]!;
    assert.equal(m.text, content.text);
    assert.equal(m.html, undefined);
    assert.equal(m.pushMessageId, d.id);
  });

  test('a 451 answer is a retryable SMTP_451, a 550 a permanent SMTP_550', async () => {
    smtp.reset();
    const acct = good();
    const sender = senderOf(acct);
    smtp.setMode('451');
    const o1 = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.equal(o1.ok, false);
    assert.ok(!o1.ok);
    assert.equal(o1.code, 'SMTP_451');
    assert.equal(o1.retryable, true);
    assert.match(o1.message, /451/);
    smtp.setMode('550');
    const o2 = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'SMTP_550');
    assert.equal(o2.retryable, false);
    // The pooled connection survives refusals: the next mail goes through on it.
    smtp.setMode('accept');
    const o3 = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.equal(o3.ok, true);
    assert.equal(smtp.messages.length, 1);
    assert.equal(smtp.rejected.length, 2);
  });

  test('the server decides per message: only the chosen message is refused', async () => {
    smtp.reset();
    const acct = good();
    const sender = senderOf(acct);
    const bad = delivery('bad@example.com');
    smtp.setMode((m) => (m.pushMessageId === bad.id ? '452' : 'accept'));
    const [ok, refused] = await Promise.all([
      send(sender, delivery('good@example.com'), { name: 'G', order: 1 }),
      send(sender, bad, { name: 'B', order: 2 }),
    ]);
    assert.equal(ok.ok, true);
    assert.ok(!refused.ok);
    assert.equal(refused.code, 'SMTP_452');
    assert.equal(refused.retryable, true);
    smtp.setMode('accept');
  });

  test('a wrong password is a permanent SMTP_535 and the password is not in the outcome', async () => {
    smtp.reset();
    const acct = account({ port: smtp.port, user: 'mailer', pass: 'wrong-pass-XYZ' }, 2);
    const sender = senderOf(acct);
    const o = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.ok(!o.ok);
    assert.equal(o.code, 'SMTP_535');
    assert.equal(o.retryable, false);
    assert.doesNotMatch(JSON.stringify(o), /wrong-pass-XYZ/);
    assert.ok(smtp.stats.authFailures >= 1);
    assert.equal(smtp.messages.length, 0);
  });

  test('connection refused is a retryable SMTP_CONN', async () => {
    const acct = account({ port: await freePort(), connectionTimeoutMs: 2000 }, 3);
    const sender = senderOf(acct);
    const o = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.ok(!o.ok);
    assert.equal(o.code, 'SMTP_CONN');
    assert.equal(o.retryable, true);
  });

  test('a server that never greets times out into a retryable SMTP_CONN', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((sock) => sockets.add(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (silent.address() as { port: number }).port;
      const acct = account({ port, connectionTimeoutMs: 300 }, 4);
      const sender = senderOf(acct);
      const started = Date.now();
      const o = await send(sender, delivery('ann@example.com'), { name: 'A', order: 1 });
      assert.ok(!o.ok);
      assert.equal(o.code, 'SMTP_CONN');
      assert.equal(o.retryable, true);
      assert.ok(Date.now() - started < 5000, 'gave up quickly');
      await sender.close();
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('the pool reuses connections: 50 sends use at most `pool` connections', async () => {
    smtp.reset();
    smtp.setMode('accept');
    const acct = account({ port: smtp.port, user: 'mailer', pass: 's3cret', pool: 3 }, 5);
    const sender = senderOf(acct);
    const before = smtp.stats.connections;
    const openBefore = smtp.stats.open;
    const ds = Array.from({ length: 50 }, (_, i) => delivery(`user${i}@example.com`));
    const outcomes = await Promise.all(ds.map((d) => send(sender, d, { name: 'N', order: 1 })));
    assert.ok(outcomes.every((o) => o.ok));
    await waitFor('50 mails', () => smtp.messages.length === 50);
    const opened = smtp.stats.connections - before;
    assert.ok(opened >= 1 && opened <= 3, `opened ${opened} connections`);
    assert.ok(
      ds.every((d) => smtp.countById.get(d.id) === 1),
      'each mail exactly once',
    );
    const carriers = new Set(smtp.messages.map((m) => m.connectionId));
    assert.ok(carriers.size <= 3, `mails came over ${carriers.size} connections`);
    await sender.close();
    await waitFor('pool closed', () => smtp.stats.open === openBefore, 5000);
  });

  test('invalid account config and invalid rendered content fail permanently without a connection', async () => {
    smtp.reset();
    const connectionsBefore = smtp.stats.connections;
    const bad = account({ port: 'not-a-port', pass: 'cfg-secret-QQQ', user: 'mailer' }, 6);
    const o1 = await send(senderOf(bad), delivery('ann@example.com'), { name: 'A', order: 1 });
    assert.ok(!o1.ok);
    assert.equal(o1.code, 'ACCOUNT_CONFIG_INVALID');
    assert.equal(o1.retryable, false);
    assert.match(o1.message, /port/, 'names the field');
    assert.doesNotMatch(JSON.stringify(o1), /cfg-secret-QQQ/, 'never the values');
    const acct = good();
    const sender = senderOf(acct);
    const o2 = await sender.send({ delivery: delivery('a@x.com'), template, content: { subject: 'x' } });
    assert.ok(!o2.ok);
    assert.equal(o2.code, 'CONTENT_INVALID');
    assert.equal(o2.retryable, false);
    assert.equal(smtp.stats.connections, connectionsBefore, 'no SMTP connection was opened');
    assert.equal(smtp.messages.length + smtp.rejected.length, 0);
  });

  test('testConnection logs in with the account: ok, or a coded failure without the password', async () => {
    smtp.reset();
    const connectionsBefore = smtp.stats.connections;
    assert.deepEqual(await senderOf(good()).testConnection(), { ok: true });
    assert.ok(smtp.stats.connections > connectionsBefore, 'it really talked to the server');
    assert.equal(smtp.stats.authFailures, 0);

    const wrong = account({ port: smtp.port, user: 'mailer', pass: 'wrong-pass-TEST' }, 7);
    const t = await senderOf(wrong).testConnection();
    assert.ok(!t.ok);
    assert.equal(t.code, 'SMTP_535');
    assert.ok(t.message.length > 0);
    assert.doesNotMatch(JSON.stringify(t), /wrong-pass-TEST/);
    assert.ok(smtp.stats.authFailures >= 1);
    assert.equal(smtp.messages.length, 0, 'a connection test sends no mail');
  });
});
