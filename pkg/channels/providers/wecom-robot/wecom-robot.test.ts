import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { groupReceiver } from '../../group-post.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { wecomRobot } from './definition.ts';
import { failed, openRobotEnv, post, type RobotEnv, tinyPng } from './fixtures.ts';

/**
 * The WeCom robot provider against its fake (a real local HTTP server checking what WeCom
 * checks): every message type's body as posted, mentions per type, and the definition.
 */
describe('WeCom group robot (wecom_robot/wecom): messages and mentions', () => {
  let env: RobotEnv;
  before(async () => {
    env = await openRobotEnv();
  });
  after(() => env.close());

  test('the text shorthand posts to send?key=… with user ids and mobiles mentioned', async () => {
    const f = await env.fake();
    const receiver = groupReceiver(['ann', '+8613800138000', 'bob']);
    assert.deepEqual(await post(env.client(f), { text: 'Deploy 1.4 done' }, receiver), { ok: true });
    const [p] = f.posts;
    assert.equal(p?.msgtype, 'text');
    assert.deepEqual(p?.body, {
      msgtype: 'text',
      text: {
        content: 'Deploy 1.4 done',
        mentioned_list: ['ann', 'bob'],
        mentioned_mobile_list: ['13800138000'],
      },
    });
    const req = f.requests[0]!;
    assert.equal(req.path, '/cgi-bin/webhook/send');
    assert.equal(req.query.key, f.key);
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    const c = env.client(f);
    assert.equal(c.sendBatch ?? c.recall ?? c.testConnection ?? c.receipts, undefined);
  });

  test('@all mentions everyone; a post to the group alone carries no mention lists', async () => {
    const f = await env.fake();
    const c = env.client(f);
    assert.equal((await post(c, { text: 'all hands' }, '@all')).ok, true);
    assert.equal((await post(c, { text: 'fyi' }, 'group')).ok, true);
    assert.deepEqual(f.posts[0]?.body.text, { content: 'all hands', mentioned_list: ['@all'] });
    assert.deepEqual(f.posts[1]?.body.text, { content: 'fyi' });
  });

  test('markdown mentions user ids as <@userid> once; mobiles and @all are refused unposted', async () => {
    const f = await env.fake();
    const c = env.client(f);
    const content = { type: 'markdown', content: '**Build** failed, <@ann> please look' };
    assert.equal((await post(c, content, 'ann,bob')).ok, true);
    assert.deepEqual(f.posts[0]?.body, {
      msgtype: 'markdown',
      markdown: { content: '**Build** failed, <@ann> please look\n<@bob>' },
    });
    for (const receiver of ['13800138000', '@all']) {
      const o = failed(await post(c, content, receiver));
      assert.equal(o.code, 'MENTION_UNSUPPORTED');
      assert.equal(o.retryable, false);
    }
    // 4096 bytes fit alone, not with a mention appended.
    const full = { type: 'markdown', content: 'x'.repeat(4096) };
    assert.equal((await post(c, full)).ok, true);
    assert.equal(failed(await post(c, full, 'ann')).code, 'CONTENT_TOO_LONG');
    assert.equal(f.posts.length, 2);
  });

  test('an image goes as base64 with the md5 of its bytes, which the fake checks', async () => {
    const f = await env.fake();
    const png = tinyPng();
    assert.deepEqual(await post(env.client(f), { type: 'image', base64: png.toString('base64') }), {
      ok: true,
    });
    assert.deepEqual(f.posts[0]?.body, {
      msgtype: 'image',
      image: { base64: png.toString('base64'), md5: createHash('md5').update(png).digest('hex') },
    });
    // A data: URL with line breaks is what a template author may paste: posted as plain base64.
    const b64 = png.toString('base64');
    const pasted = `data:image/png;base64,${b64.slice(0, 20)}\n${b64.slice(20)}`;
    assert.equal((await post(env.client(f), { type: 'image', base64: pasted })).ok, true);
    assert.equal(f.posts[1]?.body.image && (f.posts[1].body.image as { base64: string }).base64, b64);
  });

  test('news posts its articles; image, news and file posts cannot mention anyone', async () => {
    const f = await env.fake();
    const c = env.client(f);
    const articles = [
      {
        title: '周报',
        description: 'week 12',
        url: 'https://intra.example.com/w/12',
        picurl: 'https://intra.example.com/w.png',
      },
      { title: 'Roadmap', url: 'https://intra.example.com/r' },
    ];
    assert.equal((await post(c, { type: 'news', articles })).ok, true);
    assert.deepEqual(f.posts[0]?.body, { msgtype: 'news', news: { articles } });
    const image = { type: 'image', base64: tinyPng().toString('base64') };
    const file = { type: 'file', base64: Buffer.from('a,b\n1,2\n').toString('base64'), filename: 'r.csv' };
    for (const content of [{ type: 'news', articles }, image, file]) {
      assert.equal(failed(await post(c, content, 'ann')).code, 'MENTION_UNSUPPORTED');
    }
    assert.equal(f.posts.length, 1);
    assert.equal(f.calls.upload_media, 0, 'a refused file is not even uploaded');
  });

  test('the definition: group robot, mention receivers, secret key, no batch/recall/receipts/test', () => {
    assert.equal(wecomRobot.channel, 'wecom_robot');
    assert.equal(wecomRobot.provider, 'wecom');
    assert.equal(wecomRobot.groupPost, true);
    assert.deepEqual(wecomRobot.receivers, ['mention']);
    assert.deepEqual(wecomRobot.capabilities, { recall: false, receipts: false, testConnection: false });
    assert.ok(Object.isFrozen(wecomRobot) && Object.isFrozen(wecomRobot.errors));
    const schema = jsonSchemaOf(wecomRobot.config) as { properties: Record<string, { writeOnly?: boolean }> };
    assert.equal(schema.properties.key?.writeOnly, true);
    const cfg = wecomRobot.config.parse({ key: ' 693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa ' });
    assert.equal(cfg.key, '693a91f6-7a0c-4bc4-97a0-0ec2f1fa5aaa');
    assert.equal(cfg.baseUrl, 'https://qyapi.weixin.qq.com');
    assert.equal(cfg.timeoutMs, 10_000);
    const bad = (config: unknown) => assert.equal(wecomRobot.config.safeParse(config).success, false);
    bad({ key: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc12345' });
    bad({ key: 'k'.repeat(20), extra: 1 });
    bad({});
  });
});
