import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { MASK, maskConfig, mergeConfig } from '../../store/account-config.ts';
import { maskUrlCredentials } from '../../store/url-credentials.ts';
import { jsonSchemaOf, secret, secretPaths } from '../secret.ts';
import { PROVIDERS } from './index.ts';

/**
 * Property names that hold a credential. Names ending in `Id`, `Name`, `Uri`, `Url` or naming a
 * public key are identifiers and addresses (`secretId`, `accessKeyId`, `signName`, `tokenUri`,
 * `alipayPublicKey`), unless they are robot webhook ids (`hookId`: the webhook URL's secret part).
 */
const CREDENTIAL_NAME =
  /secret|passw(or)?d|^pass$|pwd|token|private_?key|api_?key|^key$|authorization|^sign$|cert|credential|webhook|hook_?id|access_?key$/i;
const NOT_CREDENTIAL = /(Id|Name|Uri|Url|PublicKey)$/;
const CREDENTIAL_WORDS = /\b(secret|password|token|private key|credential|api key)\b/i;

type Schema = {
  writeOnly?: boolean;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

/** Every property of a JSON Schema with whether it (or an object above it) is writeOnly. */
function properties(root: Schema): { path: string; name: string; description: string; secret: boolean }[] {
  const out: { path: string; name: string; description: string; secret: boolean }[] = [];
  const walk = (s: Schema | boolean | undefined, path: string[], under: boolean): void => {
    if (!s || s === true) return;
    const isSecret = under || s.writeOnly === true;
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      out.push({
        path: [...path, k].join('.'),
        name: k,
        description: v.description ?? '',
        secret: isSecret || v.writeOnly === true || (v.anyOf ?? []).some((a) => a.writeOnly),
      });
      walk(v, [...path, k], isSecret);
    }
    if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, [...path, '*'], isSecret);
    walk(s.items, [...path, '*'], isSecret);
    for (const a of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(a, path, isSecret);
  };
  walk(root, [], false);
  return out;
}

const looksLikeCredential = (p: { name: string; description: string }): boolean =>
  (CREDENTIAL_NAME.test(p.name) && (!NOT_CREDENTIAL.test(p.name) || /hook_?id/i.test(p.name))) ||
  (CREDENTIAL_WORDS.test(p.description) && !/\bpublic\b/i.test(p.description));

describe('secret masking comes from every provider schema', () => {
  test('the credential pattern itself: catches what it must, spares identifiers', () => {
    for (const name of [
      'appSecret',
      'pass',
      'pwd',
      'authorization',
      'sign',
      'cert',
      'privateKey',
      'hookId',
      'key',
    ])
      assert.ok(looksLikeCredential({ name, description: '' }), name);
    for (const name of [
      'secretId',
      'accessKeyId',
      'signName',
      'tokenUri',
      'alipayPublicKey',
      'appId',
      'baseUrl',
    ])
      assert.ok(!looksLikeCredential({ name, description: '' }), name);
    assert.ok(looksLikeCredential({ name: 'x', description: 'The robot token' }));
  });

  for (const d of PROVIDERS) {
    test(`${d.channel}/${d.provider}: every credential field is writeOnly (secret())`, () => {
      const props = properties(jsonSchemaOf(d.config) as Schema);
      assert.ok(props.length > 0 || d.provider === 'sandbox', 'the config has properties');
      const clear = props.filter((p) => looksLikeCredential(p) && !p.secret).map((p) => p.path);
      assert.deepEqual(clear, [], `credential fields not marked secret() in ${d.provider}'s config schema`);
    });
  }

  test('a masked secret shows nothing of its value; sending the mask back keeps the stored one', () => {
    const schema = z.object({
      host: z.string(),
      pass: secret(z.string()),
      keys: secret(z.array(z.string())),
    });
    const paths = secretPaths(schema);
    const stored = { host: 'h', pass: 'hunter2-xy', keys: ['k1-ab', 'k2-cd'] };
    const masked = maskConfig(stored, paths);
    assert.deepEqual(masked, { host: 'h', pass: MASK, keys: MASK });
    for (const tail of ['xy', 'ab', 'cd']) assert.ok(!JSON.stringify(masked).includes(tail), tail);
    assert.deepEqual(mergeConfig(stored, masked, paths).config, stored);
  });

  test('a URL that is not secret shows its userinfo and token parameters masked; sent back it stays', () => {
    const paths = secretPaths(z.object({ baseUrl: z.string() }));
    const stored = {
      baseUrl: 'https://ops:Pa55-w0rd@api.example.com/v1?access_token=tok-9f&region=cn',
      hook: 'https://oapi.dingtalk.com/robot/send?access_token=abc123&sign=s1g&timestamp=1',
      plain: 'https://api.example.com/v1',
    };
    const masked = maskConfig(stored, paths);
    assert.equal(masked.baseUrl, `https://${MASK}@api.example.com/v1?access_token=${MASK}&region=cn`);
    assert.equal(
      masked.hook,
      `https://oapi.dingtalk.com/robot/send?access_token=${MASK}&sign=${MASK}&timestamp=1`,
    );
    assert.equal(masked.plain, stored.plain);
    for (const s of ['Pa55', 'ops', 'tok-9f', 'abc123', 's1g'])
      assert.ok(!JSON.stringify(masked).includes(s), s);
    // Sent back as read: the stored URLs stay; a new URL replaces it.
    assert.deepEqual(mergeConfig(stored, masked, paths).config, stored);
    const changed = mergeConfig(stored, { baseUrl: 'https://api.example.com/v2' }, paths).config;
    assert.equal(changed.baseUrl, 'https://api.example.com/v2');
    assert.equal(maskUrlCredentials('not a url', MASK), undefined);
  });
});
