import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { commonParams, signedRequest } from './api.ts';
import { bizContentOf } from './content.ts';
import { keyProblem, parsePrivateKey, parsePublicKey, spkiBase64 } from './keys.ts';
import {
  beijingTimestamp,
  parseBeijingTimestamp,
  rawMembers,
  rsa2Sign,
  rsa2Verify,
  signContent,
  signedNode,
  verifyNode,
} from './sign.ts';
import {
  ALIPAY_PUBLIC_KEY,
  APP_PRIVATE_KEY_PKCS1,
  APP_PRIVATE_KEY_PKCS8,
  APP_PUBLIC_KEY,
  pem,
} from './vectors.ts';

/** The vectors of PROVIDERS.md §10b.7 and the signed-content rules of §10b.5–10b.6. */
describe('Alipay RSA2 signatures', () => {
  // Official: Node SDK test/alipay.test.ts "checkResponseSign … should work".
  const responseContent = '{"code":"10000","msg":"Success","file_id":"CAxAToWB1JsAAAAAAAAAAAAADgSLAQBr"}';
  const responseSign =
    'F+LDzpTNiavn7xVZPGuPCSSVRSmWzJGgtuji6tVELGEaqMaNj0jRKXUEr5nloZJBBmwEnddOyCjjepMmrTKTvoOqQ0Efxpr/R1iEeHTHVbb/Q8TTh6Up5gHJDkILdaWS2q1cWeQ6VT+HQY9P3WRXS7uhILHuDODIhpAyCu5KhWGt0rMCIG+Im6NODJP2oohtSCtmTFXg58HH587Z2y2bdbjzOxLvzD9IrU1imghXQ2S/Q+wMIvRk9on6cWnBLkrNvJKapA2ReNGWOwyuASvB9zDVzhMPbR+3mfRGkVDxsq5HYLjBKGskJMXHw0HuugZij6ScRuaLPODhmHwr/pJ9yw==';
  const responseBody = `{"alipay_open_file_upload_response":${responseContent},"sign":"${responseSign}"}`;

  test('official response vector: the raw …_response text verifies with the Alipay key, the whole body does not', () => {
    const key = parsePublicKey(ALIPAY_PUBLIC_KEY);
    const node = signedNode(responseBody, 'alipay.open.file.upload');
    assert.deepEqual(node, {
      key: 'alipay_open_file_upload_response',
      raw: responseContent,
      sign: responseSign,
    });
    assert.equal(verifyNode(node!, key), true);
    assert.equal(rsa2Verify(responseContent, responseSign, key), true);
    assert.equal(rsa2Verify(responseBody, responseSign, key), false);
    // Re-serialised JSON with other spacing is not what Alipay signed.
    assert.equal(rsa2Verify(JSON.stringify(JSON.parse(responseContent), null, 1), responseSign, key), false);
    // The app's key is not Alipay's.
    assert.equal(verifyNode(node!, parsePublicKey(APP_PUBLIC_KEY)), false);
    assert.equal(rsa2Verify(responseContent, 'not base64 at all!', key), false);
  });

  // Computed here (PROVIDERS.md §10b.7): the SDK fixture key pair, Python and openssl agree.
  const params = {
    app_id: '2021000122671080',
    method: 'alipay.open.app.mini.templatemessage.send',
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: '2024-01-01 12:00:00',
    version: '1.0',
    app_auth_token: '',
    biz_content:
      '{"to_user_id":"2088102122458832","user_template_id":"MDI4YzIxMDE2M2I5YTQzYjUxNWE4MjA4NmU1MTIyYmM=","page":"pages/index/index?id=1","data":"{\\"keyword1\\":{\\"value\\":\\"12:00\\"},\\"keyword2\\":{\\"value\\":\\"支付宝\\"}}"}',
  };
  const stringToSign = `app_id=2021000122671080&biz_content=${params.biz_content}&charset=utf-8&format=JSON&method=alipay.open.app.mini.templatemessage.send&sign_type=RSA2&timestamp=2024-01-01 12:00:00&version=1.0`;
  const requestSign =
    'aEyDEpzk+0ghl9v642xnU74FKUWtSyc4XAwR15xjbHaDwbSlwImdjWht5Vm5CHFLjg63/RE/cI1aWqnutQcNp7856ax/DA0KcHcFalZq9K+/iSkKxVzWwPSvFmwSMuKW5XnovGXotpxmlFca3w9DssKi4a+JGeTdf9j5d/tgasqeBFvPkyHZNLGoWpDS0VpCfi7Uov+D735gfkuXg/NmXYpR7733Ih8BuaQ2mSJx1uOp55WxINlwFIgHfKWW1xWpXryt1DjZ1fQZSluq9DxHmK2+MbmkL9+QrP/gaSd4bWhCQK17xsprmvbNMQGnP2KSfZ9UYIXiySdQt9Zysk0j4Q==';

  test('request vector: sorted string (empty dropped, sign left out), its SHA-256 and RSA2 sign, every key form', () => {
    assert.equal(signContent({ ...params, sign: 'x' }), stringToSign);
    assert.equal(
      createHash('sha256').update(stringToSign, 'utf8').digest('hex'),
      'd40598ad88e798ba1d7fa8509ef30e7d95574a6bc677c771a8345e5e240220e0',
    );
    const forms = [
      APP_PRIVATE_KEY_PKCS1,
      APP_PRIVATE_KEY_PKCS8,
      pem('RSA PRIVATE KEY', APP_PRIVATE_KEY_PKCS1),
      pem('PRIVATE KEY', APP_PRIVATE_KEY_PKCS8),
      // Pasted from JSON with literal \n, and on one line with spaces.
      pem('PRIVATE KEY', APP_PRIVATE_KEY_PKCS8).replaceAll('\n', '\\n'),
      ` ${APP_PRIVATE_KEY_PKCS1.match(/.{1,76}/g)!.join('\r\n')} `,
    ];
    for (const form of forms) assert.equal(rsa2Sign(stringToSign, parsePrivateKey(form)), requestSign);
    assert.equal(
      rsa2Verify(stringToSign, requestSign, parsePublicKey(pem('PUBLIC KEY', APP_PUBLIC_KEY))),
      true,
    );
    assert.equal(spkiBase64(parsePrivateKey(APP_PRIVATE_KEY_PKCS8)), APP_PUBLIC_KEY);
  });

  test('the client builds exactly the vector: biz_content, common parameters and sign in the query', () => {
    const content = {
      userTemplateId: 'MDI4YzIxMDE2M2I5YTQzYjUxNWE4MjA4NmU1MTIyYmM=',
      page: 'pages/index/index?id=1',
      data: { keyword1: '12:00', keyword2: '支付宝' },
    };
    const biz = bizContentOf('2088102122458832', content)!;
    assert.equal(biz, params.biz_content);
    const at = Date.UTC(2024, 0, 1, 4, 0, 0); // 12:00 in Beijing
    const { app_auth_token: _, ...expected } = params;
    assert.deepEqual(commonParams(params.app_id, params.method, biz, at), expected);
    const req = signedRequest(
      'https://openapi.alipay.com/gateway.do',
      params.app_id,
      parsePrivateKey(APP_PRIVATE_KEY_PKCS8),
      params.method,
      biz,
      at,
    );
    const url = new URL(req.url);
    assert.equal(`${url.origin}${url.pathname}`, 'https://openapi.alipay.com/gateway.do');
    assert.equal(url.searchParams.get('sign'), requestSign);
    assert.equal(url.searchParams.get('timestamp'), '2024-01-01 12:00:00');
    assert.equal(url.searchParams.has('biz_content'), false);
    assert.equal(new URLSearchParams(String(req.body)).get('biz_content'), biz);
    assert.equal(req.headers?.['content-type'], 'application/x-www-form-urlencoded;charset=utf-8');
  });

  test('raw members: braces and quotes inside strings, nested objects, spacing kept, top level only', () => {
    const node =
      '{ "code" : "40004", "sub_msg":"a } b { \\"c\\" }", "n":{"x":[1,{"y":"}"}]}, "sign":"inner"}';
    const body = ` {"m_response" : ${node} ,\n "sign" : "outer", "z": null, "{k}": 1} `;
    const m = rawMembers(body)!;
    assert.equal(m.get('m_response'), node);
    assert.equal(m.get('sign'), '"outer"');
    assert.equal(m.get('z'), 'null');
    assert.equal(m.get('{k}'), '1');
    assert.deepEqual(signedNode(body, 'm'), { key: 'm_response', raw: node, sign: 'outer' });
    assert.equal(rawMembers('[1,2]'), undefined);
    assert.equal(rawMembers('{"a":'), undefined);
    assert.equal(rawMembers('<html>'), undefined);
    // The error member when the method's is absent; nothing when neither is there.
    const err = '{"error_response":{"code":"40002","sub_code":"isv.invalid-app-id"}}';
    assert.deepEqual(signedNode(err, 'alipay.x'), {
      key: 'error_response',
      raw: '{"code":"40002","sub_code":"isv.invalid-app-id"}',
    });
    assert.equal(signedNode('{"other_response":{}}', 'alipay.x'), undefined);
  });

  test('an answer signed before its slashes were escaped verifies on the second try, as the Java SDK does', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const text = '{"code":"10000","msg":"Success","url":"https://a.b/c"}';
    const sign = rsa2Sign(text, privateKey);
    const escaped = text.replaceAll('/', '\\/');
    assert.equal(verifyNode({ key: 'k', raw: escaped, sign }, publicKey), true);
    assert.equal(verifyNode({ key: 'k', raw: escaped.replace('10000', '10001'), sign }, publicKey), false);
    assert.equal(verifyNode({ key: 'k', raw: text }, publicKey), false);
  });

  test('timestamps are Beijing wall-clock time, read back strictly', () => {
    assert.equal(beijingTimestamp(Date.UTC(2024, 0, 1, 4, 0, 0)), '2024-01-01 12:00:00');
    assert.equal(beijingTimestamp(Date.UTC(2023, 11, 31, 16, 30, 5, 999)), '2024-01-01 00:30:05');
    assert.equal(parseBeijingTimestamp('2024-01-01 12:00:00'), Date.UTC(2024, 0, 1, 4, 0, 0));
    for (const bad of ['2024-01-01T12:00:00', '2024-02-30 12:00:00', '2024-1-1 12:00:00', '']) {
      assert.equal(parseBeijingTimestamp(bad), undefined, bad);
    }
  });

  test('keys: wrong kinds, short keys and garbage are refused by name, never quoting the key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ecPem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.match(keyProblem(parsePrivateKey, ecPem)!, /RSA/);
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const shortPem = short.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.match(keyProblem(parsePrivateKey, shortPem)!, /1024 bits/);
    assert.match(keyProblem(parsePrivateKey, 'not a key!')!, /neither a PEM key nor bare Base64/);
    assert.match(keyProblem(parsePrivateKey, APP_PUBLIC_KEY)!, /not a readable RSA key/);
    assert.match(
      keyProblem(parsePrivateKey, pem('PUBLIC KEY', APP_PUBLIC_KEY))!,
      /not an unencrypted private key/,
    );
    assert.match(keyProblem((t) => parsePublicKey(t), APP_PRIVATE_KEY_PKCS8)!, /not a readable RSA key/);
    assert.equal(
      keyProblem((t) => parsePublicKey(t), ALIPAY_PUBLIC_KEY),
      undefined,
    );
    const pkcs1Public = parsePublicKey(APP_PUBLIC_KEY).export({ format: 'pem', type: 'pkcs1' }).toString();
    assert.equal(spkiBase64(parsePublicKey(pkcs1Public)), APP_PUBLIC_KEY);
    for (const problem of [ecPem, shortPem, APP_PUBLIC_KEY].map((k) => keyProblem(parsePrivateKey, k))) {
      assert.ok(problem && !problem.includes('MII'), problem);
    }
  });
});
