import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { catalog } from '../../pkg/channels/catalog.ts';
import { startAlipayMiniprogramFake } from '../../pkg/channels/providers/alipay-miniprogram/fake.ts';
import { alipayAccountConfig, USER } from '../../pkg/channels/providers/alipay-miniprogram/fixtures.ts';
import { startDingtalkRobotFake } from '../../pkg/channels/providers/dingtalk-robot/fake.ts';
import { startDingtalkWorkFake } from '../../pkg/channels/providers/dingtalk-work/fake.ts';
import {
  fakeDeviceToken,
  startFcmFake,
  testServiceAccountKey,
} from '../../pkg/channels/providers/fcm/fake.ts';
import { startFeishuRobotFake } from '../../pkg/channels/providers/feishu-robot/fake.ts';
import { startGetuiFake } from '../../pkg/channels/providers/getui/fake.ts';
import { getuiAccountConfig, newCid } from '../../pkg/channels/providers/getui/fixtures.ts';
import { fakeOpenId } from '../../pkg/channels/providers/wechat-api/fake.ts';
import { startWechatMiniprogramFake } from '../../pkg/channels/providers/wechat-miniprogram/fake.ts';
import { startWechatOfficialFake } from '../../pkg/channels/providers/wechat-official/fake.ts';
import { startWecomRobotFake } from '../../pkg/channels/providers/wecom-robot/fake.ts';
import { createClient } from '../../pkg/client/client.ts';
import { loadConfig } from '../../pkg/config/config.ts';
import { withDevSecrets } from '../../pkg/config/dev-secrets.ts';
import type { Channel } from '../../pkg/domain/channels.ts';
import { endedState } from '../../pkg/lifecycle/ledger.ts';
import { type Core, openCore } from '../../pkg/process/core.ts';
import { platformEnv } from '../../pkg/testkit/platform.ts';
import { type ServiceProcess, spawnService } from '../../pkg/testkit/processes.ts';
import { testDb, testRedis, waitFor } from '../../pkg/testkit/testkit.ts';
import { standardRouters } from '../ingest/routers.ts';
import { startIngest } from '../ingest/wire.ts';

// Every IM, WeChat, app push and Alipay provider end to end over real processes (ingest in
// this process, a spawned handler): an account and a template made through the admin API, one
// send through /v1/send, the message `sent` in the ledger and its trace, and the provider's
// local fake (which checks signatures, tokens and body shapes as the real API does) holding
// exactly the rendered message. A provider not registered in pkg/channels/providers/index.ts
// is skipped, naming why.

/** The variables of every send; each template renders `{$order}`. */
const VARIABLES = Object.freeze({ order: 'A-42' });
/** The people a group robot's post mentions: one message, one post, one delivery. */
const MENTIONS = Object.freeze(['ann', 'bob']);

/** A provider's fake, started for its sub-test: what the account, template and send need, and the check of what it got. */
type Case = Readonly<{
  config: Record<string, unknown>;
  content: Record<string, unknown>;
  receivers: readonly string[];
  /** The receiver the trace shows (a group post's: its mention list). */
  traceReceiver: string;
  /** Asserts the fake recorded exactly the message sent (`id`: its message id). */
  check(id: string): void;
  close(): Promise<void>;
}>;

type Entry = Readonly<{ folder: string; channel: Channel; provider: string; start(): Promise<Case> }>;

/** The fields of admin answers these tests read. */
type ApiBody = { id: number };

const ENTRIES: readonly Entry[] = [
  {
    folder: 'dingtalk-robot',
    channel: 'dingtalk_robot',
    provider: 'dingtalk',
    async start() {
      const fake = await startDingtalkRobotFake();
      return {
        config: { accessToken: fake.robot.accessToken, secret: fake.robot.secret, baseUrl: fake.baseUrl },
        content: { text: 'Deploy {$order} done' },
        receivers: MENTIONS,
        traceReceiver: 'ann,bob',
        check(id) {
          assert.equal(fake.posts.length, 1, 'one post to the group');
          assert.deepEqual(fake.posts[0]!.body, {
            msgtype: 'text',
            text: { content: 'Deploy A-42 done @ann @bob' },
            at: { atUserIds: ['ann', 'bob'] },
            msgUuid: id,
          });
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'dingtalk-work',
    channel: 'dingtalk_work',
    provider: 'dingtalk',
    async start() {
      const fake = await startDingtalkWorkFake();
      return {
        config: {
          appKey: fake.appKey,
          appSecret: fake.appSecret,
          agentId: fake.agentId,
          baseUrl: fake.baseUrl,
        },
        content: { text: 'Order {$order} shipped' },
        receivers: ['ann'],
        traceReceiver: 'ann',
        check() {
          assert.equal(fake.tasks.length, 1, 'one send task');
          const task = fake.tasks[0]!;
          assert.deepEqual(task.userids, ['ann']);
          assert.equal(task.toAllUser, false);
          assert.equal(task.body.agent_id, fake.agentId);
          assert.deepEqual(task.body.msg, { msgtype: 'text', text: { content: 'Order A-42 shipped' } });
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'wecom-robot',
    channel: 'wecom_robot',
    provider: 'wecom',
    async start() {
      const fake = await startWecomRobotFake();
      return {
        config: { key: fake.key, baseUrl: fake.baseUrl },
        content: { text: 'Deploy {$order} done' },
        receivers: MENTIONS,
        traceReceiver: 'ann,bob',
        check() {
          assert.equal(fake.posts.length, 1, 'one post to the group');
          assert.equal(fake.posts[0]!.key, fake.key);
          assert.deepEqual(fake.posts[0]!.body, {
            msgtype: 'text',
            text: { content: 'Deploy A-42 done', mentioned_list: ['ann', 'bob'] },
          });
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'feishu-robot',
    channel: 'feishu_robot',
    provider: 'feishu',
    async start() {
      const fake = await startFeishuRobotFake();
      return {
        config: { hookId: fake.hookId, secret: fake.secret, baseUrl: fake.baseUrl },
        content: { text: 'Build {$order} failed' },
        receivers: MENTIONS,
        traceReceiver: 'ann,bob',
        check() {
          assert.equal(fake.posts.length, 1, 'one post to the group');
          const p = fake.posts[0]!;
          assert.equal(p.msgType, 'text');
          assert.deepEqual(p.mentions, ['ann', 'bob']);
          assert.deepEqual(p.body.content, {
            text: 'Build A-42 failed <at user_id="ann"></at> <at user_id="bob"></at>',
          });
          assert.equal(typeof p.body.sign, 'string', 'signed (the fake verified it)');
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'wechat-official',
    channel: 'wechat_official',
    provider: 'wechat',
    async start() {
      const openid = fakeOpenId();
      const fake = await startWechatOfficialFake({ followers: [openid] });
      return {
        config: { appId: fake.appId, appSecret: fake.appSecret, baseUrl: fake.baseUrl },
        content: {
          templateId: fake.templateId,
          data: { thing1: '订单{$order}', character_string2: '{$order}', time3: '15:01' },
          url: 'https://shop.example.com/o/{$order}',
        },
        receivers: [openid],
        traceReceiver: openid,
        check(id) {
          assert.equal(fake.messages.length, 1, 'one template message');
          const m = fake.messages[0]!;
          assert.equal(m.touser, openid);
          assert.equal(m.templateId, fake.templateId);
          assert.deepEqual(m.data, { thing1: '订单A-42', character_string2: 'A-42', time3: '15:01' });
          assert.equal(m.body.url, 'https://shop.example.com/o/A-42');
          assert.equal(m.body.client_msg_id, id);
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'wechat-miniprogram',
    channel: 'wechat_miniprogram',
    provider: 'wechat',
    async start() {
      const openid = fakeOpenId();
      const fake = await startWechatMiniprogramFake({ pages: ['pages/order/index'] });
      fake.subscribe(openid, fake.templateId);
      return {
        config: { appId: fake.appId, appSecret: fake.appSecret, baseUrl: fake.baseUrl },
        content: {
          templateId: fake.templateId,
          data: { thing1: '订单{$order}', phrase2: '已发货', time3: '15:01' },
          page: 'pages/order/index?id={$order}',
        },
        receivers: [openid],
        traceReceiver: openid,
        check() {
          assert.equal(fake.messages.length, 1, 'one subscribe message');
          const m = fake.messages[0]!;
          assert.equal(m.touser, openid);
          assert.equal(m.templateId, fake.templateId);
          assert.deepEqual(m.data, { thing1: '订单A-42', phrase2: '已发货', time3: '15:01' });
          assert.equal(m.body.page, 'pages/order/index?id=A-42');
          assert.equal(fake.grantsLeft(openid, fake.templateId), 0, 'the one-time grant is used');
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'getui',
    channel: 'push',
    provider: 'getui',
    async start() {
      const fake = await startGetuiFake();
      const cid = newCid();
      return {
        config: getuiAccountConfig(fake),
        content: { title: 'Order {$order}', body: 'Order {$order} has shipped' },
        receivers: [cid],
        traceReceiver: cid,
        check() {
          assert.equal(fake.pushes.length, 1, 'one device reached');
          const p = fake.pushes[0]!;
          assert.equal(p.cid, cid);
          assert.equal(p.notification.title, 'Order A-42');
          assert.equal(p.notification.body, 'Order A-42 has shipped');
          assert.equal(p.notification.click_type, 'startapp');
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'fcm',
    channel: 'push',
    provider: 'fcm',
    async start() {
      const key = testServiceAccountKey();
      const fake = await startFcmFake({ publicKey: key.publicKey });
      const token = fakeDeviceToken();
      return {
        config: {
          projectId: fake.projectId,
          clientEmail: fake.clientEmail,
          privateKey: key.privateKey,
          tokenUri: fake.tokenUri,
          baseUrl: fake.baseUrl,
        },
        content: { title: 'Order {$order}', body: 'Order {$order} has shipped' },
        receivers: [token],
        traceReceiver: token,
        check() {
          assert.equal(fake.messages.length, 1, 'one message');
          assert.deepEqual(fake.messages[0]!.message, {
            token,
            notification: { title: 'Order A-42', body: 'Order A-42 has shipped' },
          });
        },
        close: fake.close,
      };
    },
  },
  {
    folder: 'alipay-miniprogram',
    channel: 'alipay_miniprogram',
    provider: 'alipay',
    async start() {
      const fake = await startAlipayMiniprogramFake({ templates: { TPL_ORDER: ['keyword1', 'keyword2'] } });
      return {
        config: alipayAccountConfig(fake),
        content: {
          userTemplateId: 'TPL_ORDER',
          page: 'pages/order/index?id={$order}',
          data: { keyword1: '{$order}', keyword2: '已发货' },
        },
        receivers: [USER],
        traceReceiver: USER,
        check() {
          assert.equal(fake.messages.length, 1, 'one subscription message');
          const m = fake.messages[0]!;
          assert.equal(m.receiver, USER);
          assert.equal(m.kind, 'user_id');
          assert.equal(m.templateId, 'TPL_ORDER');
          assert.equal(m.page, 'pages/order/index?id=A-42');
          assert.deepEqual(m.data, { keyword1: 'A-42', keyword2: '已发货' });
        },
        close: fake.close,
      };
    },
  },
];

describe('IM, WeChat, app push and Alipay providers end to end (ingest + handler process)', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  let t: Awaited<ReturnType<typeof testDb>>;
  let core: Core;
  let ingest: Awaited<ReturnType<typeof startIngest>>;
  let routerClosers: { close(): unknown }[] = [];
  let handler: ServiceProcess | undefined;
  let env: Record<string, string>;
  let apiKey: string;
  let appId: number;
  const fakes: Case[] = [];

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${ingest.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as ApiBody };
  };
  const client = () => createClient({ baseUrl: `http://127.0.0.1:${ingest.port}`, apiKey });
  /** The state a message ended in (`sent`, or a final one such as `failed`). */
  const ended = (id: string) =>
    waitFor(`message ${id} ended`, async () => endedState((await core.ledger.record(id)) ?? {}), 30_000, 50);

  before(async () => {
    r = await testRedis();
    // MySQL, as in production: ingest and the handler write to it from two processes.
    t = await testDb('mysql');
    env = platformEnv({ prefix: r.prefix, databaseUrl: t.url }, { RETRY_BASE_MS: '50', MAX_ATTEMPTS: '2' });
    core = await openCore(withDevSecrets(loadConfig(env)), 'channels-e2e');
    const standard = standardRouters(core);
    routerClosers = standard.closers;
    ingest = await startIngest(core, standard.routers);
    const shop = await core.repos.apps.create({ name: 'shop' });
    [apiKey, appId] = [shop.apiKey, shop.app.id];
    handler = spawnService('handler', env);
    await waitFor(
      'the handler (its callbacks group)',
      async () => {
        const groups = (await r.redis.xinfo('GROUPS', r.keys.events(0)).catch(() => [])) as unknown[][];
        return groups.some((g) => g.includes('callbacks'));
      },
      20_000,
      100,
    );
  });

  after(async () => {
    await handler?.kill('SIGTERM');
    for (const c of [...(ingest?.closers ?? [])].reverse()) await c.close();
    for (const c of [...routerClosers].reverse()) await c.close();
    for (const c of [...(core?.closers ?? [])].reverse()) await c.close();
    for (const f of fakes) await f.close();
    await r?.cleanup();
    await t?.cleanup();
  });

  for (const e of ENTRIES) {
    const registered = catalog.find(e.channel, e.provider) !== undefined;
    const skip = registered ? false : `${e.folder} is not registered in pkg/channels/providers/index.ts`;
    test(`${e.folder} (${e.channel}/${e.provider}) sends for real`, { skip }, async () => {
      const c = await e.start();
      fakes.push(c);
      const account = await admin('POST', '/v1/admin/accounts', {
        name: `${e.folder} e2e`,
        channel: e.channel,
        provider: e.provider,
        config: c.config,
      });
      assert.equal(account.status, 201, JSON.stringify(account.body));
      const template = await admin('POST', '/v1/admin/templates', {
        name: `${e.folder} e2e`,
        channel: e.channel,
        messageType: 'notice',
        accountId: account.body.id,
        appId,
        content: c.content,
      });
      assert.equal(template.status, 201, JSON.stringify(template.body));

      const res = await client().send({
        templateId: template.body.id,
        messages: [{ receivers: [...c.receivers], variables: VARIABLES }],
      });
      assert.equal(res.messageIds.length, 1, 'one message is one delivery');
      const id = res.messageIds[0]!;
      const state = await ended(id);
      const trace = await client().message(id);
      assert.equal(state, 'sent', `timeline: ${JSON.stringify(trace.timeline)}\n${handler?.output() ?? ''}`);
      assert.equal(trace.state, 'sent');
      assert.equal(trace.timeline.at(-1)?.state, 'sent', JSON.stringify(trace.timeline));
      assert.equal(trace.receiver, c.traceReceiver);
      c.check(id);
    });
  }
});
