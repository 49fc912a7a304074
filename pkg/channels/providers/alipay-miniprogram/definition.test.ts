import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isReceiverOfKinds } from '../../../domain/receivers.ts';
import { TRANSPORT_ERRORS } from '../../definition.ts';
import { jsonSchemaOf } from '../../secret.ts';
import { bizContentOf } from './content.ts';
import { alipayMiniprogram } from './definition.ts';
import { OPEN, USER } from './fixtures.ts';
import {
  ALIPAY_PUBLIC_KEY,
  APP_PRIVATE_KEY_PKCS1,
  APP_PRIVATE_KEY_PKCS8,
  APP_PUBLIC_KEY,
  pem,
} from './vectors.ts';

/** The definition's schemas and receiver rule, without any call. */
describe('Alipay mini program: definition', () => {
  const config = {
    appId: '2021000122671080',
    privateKey: APP_PRIVATE_KEY_PKCS8,
    alipayPublicKey: ALIPAY_PUBLIC_KEY,
  };

  test('alipay_miniprogram/alipay: Alipay users, no batch/recall/receipts, testConnection, transport codes in the table', () => {
    assert.equal(alipayMiniprogram.channel, 'alipay_miniprogram');
    assert.equal(alipayMiniprogram.provider, 'alipay');
    assert.match(alipayMiniprogram.title, /支付宝小程序/);
    assert.deepEqual(alipayMiniprogram.receivers, ['alipay_user']);
    assert.deepEqual(alipayMiniprogram.capabilities, { testConnection: true });
    for (const code of Object.keys(TRANSPORT_ERRORS))
      assert.ok(Object.hasOwn(alipayMiniprogram.errors, code), code);
    assert.ok(Object.isFrozen(alipayMiniprogram) && Object.isFrozen(alipayMiniprogram.errors));
  });

  test('config: the private key is the secret, both key forms are read, defaults filled, extras refused', () => {
    const schema = jsonSchemaOf(alipayMiniprogram.config) as {
      properties: Record<string, { writeOnly?: boolean }>;
    };
    assert.equal(schema.properties.privateKey?.writeOnly, true);
    assert.equal(schema.properties.alipayPublicKey?.writeOnly, undefined);
    assert.equal(schema.properties.appId?.writeOnly, undefined);
    const parsed = alipayMiniprogram.config.parse(config);
    assert.equal(parsed.baseUrl, 'https://openapi.alipay.com/gateway.do');
    assert.equal(parsed.timeoutMs, 10_000);
    for (const privateKey of [
      APP_PRIVATE_KEY_PKCS1,
      pem('RSA PRIVATE KEY', APP_PRIVATE_KEY_PKCS1),
      pem('PRIVATE KEY', APP_PRIVATE_KEY_PKCS8),
    ]) {
      assert.equal(alipayMiniprogram.config.safeParse({ ...config, privateKey }).success, true);
    }
    assert.equal(
      alipayMiniprogram.config.safeParse({ ...config, alipayPublicKey: pem('PUBLIC KEY', ALIPAY_PUBLIC_KEY) })
        .success,
      true,
    );
    assert.equal(alipayMiniprogram.config.safeParse({ ...config, extra: 1 }).success, false);
    assert.equal(alipayMiniprogram.config.safeParse({ ...config, appId: 'app-1' }).success, false);
    assert.equal(alipayMiniprogram.config.safeParse({ ...config, timeoutMs: 100 }).success, false);
  });

  test('config: a broken key, or the app’s own public key where Alipay’s belongs, is refused without quoting keys', () => {
    const broken = alipayMiniprogram.config.safeParse({
      ...config,
      privateKey: APP_PRIVATE_KEY_PKCS8.slice(0, 200),
    });
    assert.equal(broken.success, false);
    const own = alipayMiniprogram.config.safeParse({ ...config, alipayPublicKey: APP_PUBLIC_KEY });
    assert.equal(own.success, false);
    assert.deepEqual(
      own.error?.issues.map((i) => i.path),
      [['alipayPublicKey']],
    );
    assert.match(own.error!.issues[0]!.message, /支付宝公钥/);
    const swapped = alipayMiniprogram.config.safeParse({
      ...config,
      privateKey: ALIPAY_PUBLIC_KEY,
      alipayPublicKey: APP_PRIVATE_KEY_PKCS8,
    });
    assert.equal(swapped.success, false);
    for (const issue of [...broken.error!.issues, ...own.error!.issues, ...swapped.error!.issues]) {
      assert.ok(!issue.message.includes('MII'), issue.message);
    }
  });

  test('content: Alipay’s limits (50 characters a value, keyword names, data ≤ 2048, page ≤ 128, template id ≤ 64)', () => {
    const c = alipayMiniprogram.content;
    const ok = {
      userTemplateId: 'TPL',
      page: 'pages/order/index?id={$order}',
      data: { keyword1: '{$order}', keyword2: '已发货' },
    };
    assert.deepEqual(c.parse(ok), ok);
    const valid = (over: Record<string, unknown>) => c.safeParse({ ...ok, ...over }).success;
    assert.equal(valid({ data: { keyword1: '单'.repeat(50) } }), true);
    assert.equal(valid({ data: { keyword1: '单'.repeat(51) } }), false);
    assert.equal(valid({ data: { keyword1: '😀'.repeat(50) } }), true, 'an emoji is one character');
    assert.equal(valid({ data: { keyword1: '' } }), false);
    assert.equal(valid({ data: {} }), false);
    assert.equal(valid({ data: { 'key word': 'x' } }), false);
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`keyword${i}`, 'x'.repeat(20)]));
    assert.equal(valid({ data: many }), false, 'the data JSON is over 2048 characters');
    assert.equal(valid({ page: 'p'.repeat(129) }), false);
    assert.equal(valid({ page: undefined }), true);
    assert.equal(valid({ userTemplateId: 'T'.repeat(65) }), false);
    assert.equal(valid({ text: 'hello' }), false);
  });

  test('every receiver the alipay_user rule accepts maps to to_user_id or to_open_id', () => {
    const content = { userTemplateId: 'T', data: { keyword1: 'x' } };
    for (const r of [USER, OPEN, 'a'.repeat(20), 'Z_-9'.repeat(16)]) {
      assert.equal(isReceiverOfKinds(['alipay_user'], r), true, r);
      assert.notEqual(bizContentOf(r, content), undefined, r);
    }
    assert.match(bizContentOf(USER, content)!, /^\{"to_user_id":"2088102122458832"/);
    assert.match(bizContentOf(OPEN, content)!, /^\{"to_open_id":/);
    assert.equal(bizContentOf('2088123', content), undefined);
  });
});
