import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { robotApi } from './api.ts';
import { wecomRobot } from './definition.ts';
import { failed, openRobotEnv, type RobotEnv, tinyPng } from './fixtures.ts';
import { FILE_MAX_BYTES, IMAGE_MAX_BYTES } from './media.ts';

/**
 * WeCom's limits, twice: the content schema refuses what WeCom would refuse or cut (at save and
 * on the rendered content), and the fake refuses the same when a body gets past the client
 * (driven here through the raw API, so the fake's checks are tested, not assumed).
 */
describe('WeCom group robot: limits', () => {
  const ok = (content: unknown) => assert.equal(wecomRobot.content.safeParse(content).success, true);
  const no = (content: unknown) => assert.equal(wecomRobot.content.safeParse(content).success, false);
  const png = tinyPng().toString('base64');
  const article = { title: 'A', url: 'https://x.example.com/a' };

  test('text ≤ 2048 and markdown ≤ 4096 UTF-8 bytes; titles 128, descriptions 512', () => {
    // 682 CJK characters are 2046 bytes, 683 are 2049.
    ok({ text: '单'.repeat(682) });
    no({ text: '单'.repeat(683) });
    no({ text: '' });
    ok({ type: 'markdown', content: 'm'.repeat(4096) });
    no({ type: 'markdown', content: 'm'.repeat(4097) });
    no({ type: 'markdown', text: 'wrong field' });
    ok({ type: 'news', articles: [{ ...article, title: '标'.repeat(42), description: 'd'.repeat(512) }] });
    no({ type: 'news', articles: [{ ...article, title: '标'.repeat(43) }] });
    no({ type: 'news', articles: [{ ...article, description: 'd'.repeat(513) }] });
  });

  test('news takes 1–8 articles, each with a title and an http(s) url', () => {
    ok({ type: 'news', articles: Array(8).fill(article) });
    no({ type: 'news', articles: Array(9).fill(article) });
    no({ type: 'news', articles: [] });
    no({ type: 'news', articles: [{ title: 'no url' }] });
    no({ type: 'news', articles: [{ ...article, url: 'javascript:alert(1)' }] });
    ok({ type: 'news', articles: [{ ...article, url: '{$link}' }] });
  });

  test('images: JPG/PNG base64 of at most 2 MB; placeholders wait for rendering', () => {
    ok({ type: 'image', base64: png });
    ok({ type: 'image', base64: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]).toString('base64') });
    no({ type: 'image', base64: Buffer.from('GIF89a-----').toString('base64') });
    no({ type: 'image', base64: `${png}!` });
    const big = Buffer.concat([tinyPng(), Buffer.alloc(IMAGE_MAX_BYTES)]).toString('base64');
    no({ type: 'image', base64: big });
    ok({ type: 'image', base64: '{$chart}' });
    no({ type: 'image', base64: png, md5: 'the client computes it' });
  });

  test('files: url or base64 (with a filename), more than 5 bytes and at most 20 MB', () => {
    const b64 = (n: number) => Buffer.alloc(n, 0x61).toString('base64');
    ok({ type: 'file', url: 'https://files.example.com/r/{$id}.pdf' });
    ok({ type: 'file', base64: b64(6), filename: 'a.txt' });
    no({ type: 'file', base64: b64(5), filename: 'a.txt' });
    no({ type: 'file', base64: b64(6) });
    no({ type: 'file', url: 'https://files.example.com/a.pdf', base64: b64(6), filename: 'a.txt' });
    no({ type: 'file' });
    no({ type: 'file', url: 'ftp://files.example.com/a.pdf' });
    ok({ type: 'file', base64: b64(FILE_MAX_BYTES), filename: 'max.bin' });
    no({ type: 'file', base64: b64(FILE_MAX_BYTES + 1), filename: 'over.bin' });
  });

  describe('the fake refuses what WeCom refuses', () => {
    let env: RobotEnv;
    before(async () => {
      env = await openRobotEnv();
    });
    after(() => env.close());

    const apiOf = async (opts: Parameters<RobotEnv['fake']>[0] = {}) => {
      const f = await env.fake(opts);
      const api = robotApi(wecomRobot.config.parse({ key: f.key, baseUrl: f.baseUrl }), env.kit());
      return { f, api };
    };
    const code = (r: Awaited<ReturnType<ReturnType<typeof robotApi>['post']>>) => failed(r).code;

    test('message bodies: type, empty and long text, md5, image type, article count', async () => {
      const { f, api } = await apiOf();
      const raw = tinyPng();
      const md5 = createHash('md5').update(raw).digest('hex');
      assert.equal(code(await api.post({ msgtype: 'voice', voice: {} })), '40008');
      assert.equal(code(await api.post({ msgtype: 'text', text: { content: '' } })), '44004');
      assert.equal(code(await api.post({ msgtype: 'text', text: { content: 'x'.repeat(2049) } })), '40058');
      const long = await api.post({ msgtype: 'markdown', markdown: { content: 'x'.repeat(4097) } });
      assert.match(failed(long).message, /markdown\.content exceed max length 4096/);
      const image = { base64: raw.toString('base64'), md5: '0'.repeat(32) };
      assert.equal(code(await api.post({ msgtype: 'image', image })), '40058');
      const gif = Buffer.from('GIF89a-------');
      const gifMd5 = createHash('md5').update(gif).digest('hex');
      const gifImage = { base64: gif.toString('base64'), md5: gifMd5 };
      assert.equal(code(await api.post({ msgtype: 'image', image: gifImage })), '40004');
      const articles = Array(9).fill({ title: 'a', url: 'https://x.example.com' });
      assert.equal(code(await api.post({ msgtype: 'news', news: { articles } })), '45008');
      assert.equal(
        (await api.post({ msgtype: 'image', image: { base64: raw.toString('base64'), md5 } })).ok,
        true,
      );
      assert.equal(f.posts.length, 1);
    });

    test('uploads: 5 B–20 MB; a media_id serves its own robot for three days only', async () => {
      let t = 1_700_000_000_000;
      const { f, api } = await apiOf({ now: () => t });
      assert.equal(failed(await api.upload('five.txt', Buffer.from('12345'))).code, '40006');
      const over = await api.upload('big.txt', Buffer.alloc(FILE_MAX_BYTES + 1, 0x61));
      assert.equal(failed(over).code, '40006');
      const up = await api.upload('r.txt', Buffer.from('hello world'));
      assert.ok(up.ok);
      const file = { msgtype: 'file', file: { media_id: up.mediaId } };
      const other = robotApi(wecomRobot.config.parse({ key: f.addRobot(), baseUrl: f.baseUrl }), env.kit());
      assert.equal(code(await other.post(file)), '40007');
      assert.equal((await api.post(file)).ok, true);
      t += 3 * 86_400_000;
      assert.equal(code(await api.post(file)), '40007');
      assert.equal(code(await api.post({ msgtype: 'file', file: {} })), '41006');
      assert.equal(f.uploads.length, 1);
    });
  });
});
