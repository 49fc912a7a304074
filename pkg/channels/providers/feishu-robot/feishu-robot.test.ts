import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { secretPaths } from '../../secret.ts';
import { MAX_BODY_BYTES } from './content.ts';
import { feishuRobot } from './definition.ts';
import { type FeishuRobotFake, startFeishuRobotFake } from './fake.ts';
import { failed, feishuClient, openFeishuTestKits, post } from './fixtures.ts';
import { feishuSign } from './sign.ts';

/**
 * Posting through the Feishu custom bot provider against its fake over real HTTP: the fake
 * verifies the signature and its window, the hook, each message type's shape and the size limit,
 * so a body it accepts is one Feishu would accept as far as PROVIDERS.md §8 and the guide say.
 */
describe('Feishu custom bot: posting (feishu_robot/feishu)', () => {
  let kits: Awaited<ReturnType<typeof openFeishuTestKits>>;
  const fakes: FeishuRobotFake[] = [];
  before(async () => {
    kits = await openFeishuTestKits();
  });
  after(async () => {
    for (const f of fakes) await f.close();
    await kits.close();
  });
  const fake = async (opts: Parameters<typeof startFeishuRobotFake>[0] = {}) => {
    const f = await startFeishuRobotFake(opts);
    fakes.push(f);
    return f;
  };
  const lastBody = (f: FeishuRobotFake) => f.requests.at(-1)!.json() as Record<string, unknown>;

  test('text shorthand: one signed post to the hook, timestamp in seconds of the kit clock', async () => {
    const clock = 1_760_000_000_123;
    const f = await fake({ now: () => clock });
    const o = await post(feishuClient(f, kits.kit({ now: () => clock })), { text: 'Deploy 42 done' });
    assert.deepEqual(o, { ok: true });
    const req = f.requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/open-apis/bot/v2/hook/${f.hookId}`);
    assert.match(req.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(req.json(), {
      timestamp: '1760000000',
      sign: feishuSign(1760000000, f.secret!),
      msg_type: 'text',
      content: { text: 'Deploy 42 done' },
    });
    assert.equal(f.posts.length, 1);
  });

  test('a bot without signing gets no timestamp or sign fields', async () => {
    const f = await fake({ secret: null });
    assert.deepEqual(await post(feishuClient(f, kits.kit()), { text: 'hi' }), { ok: true });
    assert.deepEqual(lastBody(f), { msg_type: 'text', content: { text: 'hi' } });
  });

  test('text mentions: <at user_id> per receiver after the text, all for @all, none for group', async () => {
    const f = await fake();
    const c = feishuClient(f, kits.kit());
    await post(c, { text: 'Build failed' }, 'ou_a1,ou_b2');
    assert.deepEqual(lastBody(f).content, {
      text: 'Build failed <at user_id="ou_a1"></at> <at user_id="ou_b2"></at>',
    });
    await post(c, { text: 'Release' }, '@all');
    assert.deepEqual(lastBody(f).content, { text: 'Release <at user_id="all"></at>' });
    await post(c, { text: 'Quiet' }, 'group');
    assert.deepEqual(lastBody(f).content, { text: 'Quiet' });
    // A tenant user_id may be all digits (employee numbers); one the text already mentions is kept once.
    await post(c, { text: 'hi <at user_id="ou_a1">Ann</at>' }, 'ou_a1,10086');
    assert.deepEqual(lastBody(f).content, {
      text: 'hi <at user_id="ou_a1">Ann</at> <at user_id="10086"></at>',
    });
    assert.deepEqual(
      f.posts.map((p) => p.mentions),
      [['ou_a1', 'ou_b2'], ['all'], [], ['ou_a1', '10086']],
    );
  });

  test('phone numbers and emails cannot be mentioned: permanent, nothing posted', async () => {
    const f = await fake();
    const c = feishuClient(f, kits.kit());
    for (const r of ['+8613800138000', 'ann@example.com', 'ou_a1,+8613800138000']) {
      const o = failed(await post(c, { text: 'hi' }, r));
      assert.equal(o.code, 'MENTION_UNSUPPORTED');
      assert.equal(o.retryable, false);
      assert.equal(o.failover, undefined);
    }
    assert.equal(f.calls, 0);
  });

  test('post: both languages as written, mentions as a last paragraph of at nodes in each', async () => {
    const f = await fake();
    const locale = (title: string) => ({
      title,
      content: [
        [
          { tag: 'text', text: 'Project updated: ' },
          { tag: 'a', text: 'see', href: 'https://example.com/p/1' },
        ],
        [{ tag: 'img', image_key: 'img_v2_1' }],
      ],
    });
    const content = { type: 'post', zh_cn: locale('项目更新'), en_us: locale('Project update') };
    assert.deepEqual(await post(feishuClient(f, kits.kit()), content, '@all,ou_x'), { ok: true });
    const at = [
      { tag: 'at', user_id: 'all' },
      { tag: 'at', user_id: 'ou_x' },
    ];
    const expected = (title: string) => ({ ...locale(title), content: [...locale(title).content, at] });
    assert.deepEqual(lastBody(f).content, {
      post: { zh_cn: expected('项目更新'), en_us: expected('Project update') },
    });
    assert.equal(lastBody(f).msg_type, 'post');
    assert.deepEqual(f.posts[0]!.mentions, ['all', 'ou_x']);
  });

  test('interactive: the card goes at the top level; mentions join 2.0 and 1.0 cards as a last element', async () => {
    const f = await fake();
    const c = feishuClient(f, kits.kit());
    const v2 = {
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: 'Alert' } },
      body: { elements: [] },
    };
    await post(c, { type: 'interactive', card: v2 });
    assert.deepEqual(lastBody(f).card, v2);
    assert.equal(lastBody(f).content, undefined);
    await post(c, { type: 'interactive', card: v2 }, 'ou_1,@all');
    assert.deepEqual((lastBody(f).card as typeof v2).body.elements, [
      { tag: 'markdown', content: '<at id=all></at> <at id=ou_1></at>' },
    ]);
    const v1 = { elements: [{ tag: 'div', text: { tag: 'lark_md', content: 'disk full' } }] };
    await post(c, { type: 'interactive', card: v1 }, 'ou_2');
    assert.deepEqual((lastBody(f).card as typeof v1).elements.at(-1), {
      tag: 'div',
      text: { tag: 'lark_md', content: '<at id=ou_2></at>' },
    });
    assert.deepEqual(
      f.posts.map((p) => p.mentions),
      [[], ['all', 'ou_1'], ['ou_2']],
    );
    // A template card has no element list the platform could write a mention into.
    const template = { type: 'template', data: { template_id: 'AAq1', template_variable: { n: '1' } } };
    assert.deepEqual(await post(c, { type: 'interactive', card: template }), { ok: true });
    assert.deepEqual(lastBody(f).card, template);
    assert.equal(
      failed(await post(c, { type: 'interactive', card: template }, '@all')).code,
      'MENTION_UNSUPPORTED',
    );
    assert.equal(f.posts.length, 4);
  });

  test('image and share_chat bodies; neither carries mentions', async () => {
    const f = await fake();
    const c = feishuClient(f, kits.kit());
    await post(c, { type: 'image', image_key: 'img_ecffc3b9' });
    assert.deepEqual(lastBody(f).content, { image_key: 'img_ecffc3b9' });
    assert.equal(lastBody(f).msg_type, 'image');
    await post(c, { type: 'share_chat', share_chat_id: 'oc_f5b1a7eb' });
    assert.deepEqual(lastBody(f).content, { share_chat_id: 'oc_f5b1a7eb' });
    assert.equal(lastBody(f).msg_type, 'share_chat');
    assert.equal(f.posts.length, 2);
    for (const content of [
      { type: 'image', image_key: 'img_1' },
      { type: 'share_chat', share_chat_id: 'oc_1' },
    ]) {
      assert.equal(failed(await post(c, content, '@all')).code, 'MENTION_UNSUPPORTED');
    }
    assert.equal(f.calls, 2);
  });

  test('the 20 KB body limit: a rendered body over it is refused before sending; at it, Feishu takes it', async () => {
    const f = await fake({ secret: null });
    const c = feishuClient(f, kits.kit());
    const overhead = JSON.stringify({ msg_type: 'text', content: { text: '' } }).length;
    const fits = 'a'.repeat(MAX_BODY_BYTES - overhead);
    assert.deepEqual(await post(c, { text: fits }), { ok: true });
    assert.equal(Buffer.byteLength(f.requests.at(-1)!.body), MAX_BODY_BYTES);
    // Mentions are added after rendering, so they can push a body that fitted over the limit.
    const o = failed(await post(c, { text: fits }, 'ou_1'));
    assert.equal(o.code, 'BODY_TOO_LARGE');
    assert.equal(o.retryable, false);
    assert.equal(f.calls, 1);
    // CJK text counts in UTF-8 bytes (3 each): the content schema refuses it when saved.
    assert.equal(feishuRobot.content.safeParse({ text: '告'.repeat(7000) }).success, false);
  });

  test('the definition: channel, provider, a group robot with mention receivers, no extra capabilities', () => {
    assert.equal(feishuRobot.channel, 'feishu_robot');
    assert.equal(feishuRobot.provider, 'feishu');
    assert.equal(feishuRobot.groupPost, true);
    assert.deepEqual(feishuRobot.receivers, ['mention']);
    assert.deepEqual(feishuRobot.capabilities, { testConnection: false });
    assert.ok(Object.isFrozen(feishuRobot) && Object.isFrozen(feishuRobot.errors));
    const created = feishuRobot.create(feishuRobot.config.parse({ hookId: 'h1' }), kits.kit(), {
      id: 1,
      channel: 'feishu_robot',
      provider: 'feishu',
    });
    assert.deepEqual(Object.keys(created), ['send']);
  });

  test('the config: hookId and secret are secret, secret optional, baseUrl defaults to open.feishu.cn', () => {
    const paths = secretPaths(feishuRobot.config).map((p) => p.join('.'));
    assert.deepEqual(paths.sort(), ['hookId', 'secret']);
    assert.deepEqual(feishuRobot.config.parse({ hookId: ' 2f1e-ab_9 ' }), {
      hookId: '2f1e-ab_9',
      baseUrl: 'https://open.feishu.cn',
      timeoutMs: 10_000,
    });
    const bad = [
      { hookId: 'https://open.feishu.cn/open-apis/bot/v2/hook/x' },
      { hookId: 'a/b' },
      { hookId: '' },
      { hookId: 'h', secret: '' },
      { hookId: 'h', extra: 1 },
      { hookId: 'h', baseUrl: 'ftp://x' },
    ];
    for (const c of bad) assert.equal(feishuRobot.config.safeParse(c).success, false, JSON.stringify(c));
    const lark = feishuRobot.config.parse({ hookId: 'h', baseUrl: 'https://open.larksuite.com' });
    assert.equal(lark.baseUrl, 'https://open.larksuite.com');
  });

  test('the content schema: text shorthand, typed messages, refusals', () => {
    const c = feishuRobot.content;
    assert.deepEqual(c.parse({ text: 'Hi {$name}' }), { type: 'text', text: 'Hi {$name}' });
    const node = { tag: 'text', text: 'x' };
    assert.equal(c.safeParse({ type: 'post', en_us: { content: [[node]] } }).success, true);
    const refused = [
      { text: '' },
      { type: 'markdown', text: 'x' },
      { type: 'post' },
      { type: 'post', zh_cn: { content: [] } },
      { type: 'post', zh_cn: { content: [[{ tag: 'a', text: 'no href' }]] } },
      { type: 'post', zh_cn: { content: [[{ tag: 'video', text: 'x' }]] } },
      { type: 'interactive', card: {} },
      { type: 'image' },
      { type: 'share_chat', share_chat_id: '' },
    ];
    for (const v of refused) assert.equal(c.safeParse(v).success, false, JSON.stringify(v));
  });
});
