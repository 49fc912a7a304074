import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_BODY_BYTES } from './content.ts';
import { type FeishuRobotFake, startFeishuRobotFake } from './fake.ts';
import { feishuSign } from './sign.ts';

/**
 * The fake's own checks, by raw HTTP (not through the client), so a client bug cannot hide a
 * fake that accepts too much: each check refuses what Feishu refuses, with Feishu's code.
 */
describe('Feishu custom bot fake', () => {
  let clock = 1_760_000_000_000;
  let f: FeishuRobotFake;
  before(async () => {
    f = await startFeishuRobotFake({ now: () => clock, keywords: ['告警'] });
  });
  after(() => f.close());

  const ts = () => String(Math.floor(clock / 1000));
  const signed = (body: Record<string, unknown>, t = ts(), secret = f.secret!) => ({
    timestamp: t,
    sign: feishuSign(t, secret),
    ...body,
  });
  const text = (t = '告警 disk') => ({ msg_type: 'text', content: { text: t } });
  const send = async (body: unknown, hook = f.hookId) => {
    const res = await fetch(`${f.baseUrl}/open-apis/bot/v2/hook/${hook}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await res.json()) as { code: number; msg: string };
    return { status: res.status, code: json.code, msg: json.msg };
  };
  const codeOf = async (body: unknown, hook?: string) => (await send(body, hook)).code;

  test('a signed text with a keyword is accepted with the documented success shape', async () => {
    const res = await fetch(`${f.baseUrl}/open-apis/bot/v2/hook/${f.hookId}`, {
      method: 'POST',
      body: JSON.stringify(signed(text())),
    });
    assert.deepEqual(await res.json(), {
      StatusCode: 0,
      StatusMessage: 'success',
      code: 0,
      data: {},
      msg: 'success',
    });
    assert.equal(f.posts.at(-1)!.msgType, 'text');
  });

  test('signature: window of one hour each way, string timestamp, the right secret', async () => {
    clock += 1000;
    const now = Math.floor(clock / 1000);
    assert.equal(await codeOf(signed(text(), String(now - 3600))), 0);
    assert.equal(await codeOf(signed(text(), String(now + 3600))), 0);
    assert.equal(await codeOf(signed(text(), String(now - 3601))), 19021);
    assert.equal(await codeOf(signed(text(), String(now + 3601))), 19021);
    assert.equal(await codeOf({ ...signed(text()), timestamp: now }), 19021);
    assert.equal(await codeOf(signed(text(), ts(), 'other')), 19021);
    assert.equal(await codeOf(text()), 19021);
    const { status, msg } = await send(text());
    assert.equal(status, 200);
    assert.equal(msg, 'sign match fail or timestamp is not within one hour from current time');
  });

  test('hook, JSON, size: 19001 for an unknown hook, 9499 (HTTP 400) for bad JSON or over 20 KB', async () => {
    clock += 1000;
    assert.deepEqual(await send(signed(text()), 'unknown'), {
      status: 200,
      code: 19001,
      msg: 'param invalid: incoming webhook access token invalid',
    });
    assert.deepEqual(await send('{"msg_type":'), { status: 400, code: 9499, msg: 'Bad Request' });
    const pad = (n: number) => signed(text(`告警 ${'a'.repeat(n)}`));
    const size = (n: number) => Buffer.byteLength(JSON.stringify(pad(n)));
    const fit = MAX_BODY_BYTES - size(0);
    assert.equal(size(fit), MAX_BODY_BYTES);
    assert.equal(await codeOf(pad(fit)), 0);
    assert.equal(await codeOf(pad(fit + 1)), 9499);
  });

  test('shapes: msg_type known (19002), each type its fields, the card at the top level (9499)', async () => {
    clock += 1000;
    assert.equal(await codeOf(signed({ msg_type: 'markdown', content: { text: '告警' } })), 19002);
    assert.equal(await codeOf(signed({ content: { text: '告警' } })), 19002);
    assert.equal(await codeOf(signed({ msg_type: 'text', content: { text: '' } })), 9499);
    assert.equal(await codeOf(signed({ msg_type: 'image', content: {} })), 9499);
    clock += 1000;
    assert.equal(await codeOf(signed({ msg_type: 'share_chat', content: { chat_id: 'oc_1' } })), 9499);
    assert.equal(
      await codeOf(signed({ msg_type: 'interactive', content: { card: { elements: [] } } })),
      9499,
    );
    const post = (line: unknown[]) => ({
      msg_type: 'post',
      content: { post: { zh_cn: { title: '告警', content: [line] } } },
    });
    assert.equal(await codeOf(signed(post([{ tag: 'a', text: 'x' }]))), 9499);
    assert.equal(await codeOf(signed(post([{ tag: 'at', user_id: 'ou_1' }]))), 0);
  });

  test('keywords count in text and titles only, not in a link', async () => {
    clock += 1000;
    const post = (title: string, href: string) => ({
      msg_type: 'post',
      content: { post: { zh_cn: { title, content: [[{ tag: 'a', text: 'see', href }]] } } },
    });
    assert.equal(await codeOf(signed(post('disk', 'https://x.test/告警'))), 19024);
    assert.equal(await codeOf(signed(post('告警 disk', 'https://x.test/'))), 0);
    assert.equal(await codeOf(signed(text('disk full'))), 19024);
    assert.equal(await codeOf(signed({ msg_type: 'image', content: { image_key: 'img_1' } })), 19024);
  });

  test('frequency: 5 a second; refusals do not use the quota; injected answers come in order', async () => {
    clock += 1000;
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await codeOf(signed(text())));
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 11232]);
    assert.equal(f.refused(11232), 1);
    clock += 1000;
    f.failNext({ code: 11232 }, 2);
    f.failNext({ status: 503, body: 'busy' });
    assert.equal(await codeOf(signed(text())), 11232);
    assert.equal(await codeOf(signed(text())), 11232);
    const res = await fetch(`${f.baseUrl}/open-apis/bot/v2/hook/${f.hookId}`, {
      method: 'POST',
      body: JSON.stringify(signed(text())),
    });
    assert.equal(res.status, 503);
    assert.equal(await res.text(), 'busy');
    assert.equal(await codeOf(signed(text())), 0);
  });
});
