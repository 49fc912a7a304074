import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalHeaders, parseTc3Authorization, tc3Date, tc3Sign, tc3SigningKeys } from './sign.ts';

/**
 * TC3-HMAC-SHA256 against the official vectors of PROVIDERS.md §1.3 (a CVM DescribeInstances
 * call; the algorithm is the same for SMS). Variant A is the English document's, variant B the
 * Chinese document's and the signature-process-demo's, which also signs `x-tc-action`.
 */

// Exact bytes: `\u672a…` is a literal backslash escape in the body, not the characters.
const BODY = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}';
const TIMESTAMP = 1551113065;
const SECRET_ID = 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE';
const KEY_A = 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE';
const KEY_B = '*'.repeat(32);
const HEADERS_A = { 'Content-Type': 'application/json; charset=utf-8', Host: 'cvm.tencentcloudapi.com' };
const HEADERS_B = { ...HEADERS_A, 'X-TC-Action': 'DescribeInstances' };

const sign = (headers: Record<string, string>, secretKey: string) =>
  tc3Sign({ secretId: SECRET_ID, secretKey, service: 'cvm', timestamp: TIMESTAMP, headers, payload: BODY });

test('the payload hash and credential scope are the official ones', () => {
  const s = sign(HEADERS_A, KEY_A);
  assert.equal(s.hashedPayload, '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
  assert.equal(s.credentialScope, '2019-02-25/cvm/tc3_request');
  assert.equal(tc3Date(TIMESTAMP), '2019-02-25');
});

test('variant A (content-type;host): canonical request hash, signature and full Authorization', () => {
  const s = sign(HEADERS_A, KEY_A);
  assert.equal(s.signedHeaders, 'content-type;host');
  assert.equal(
    s.canonicalRequest,
    [
      'POST',
      '/',
      '',
      'content-type:application/json; charset=utf-8',
      'host:cvm.tencentcloudapi.com',
      '',
      'content-type;host',
      s.hashedPayload,
    ].join('\n'),
  );
  assert.equal(s.hashedCanonicalRequest, '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
  assert.equal(s.signature, '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
  assert.equal(
    s.authorization,
    'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
  );
});

test('variant B (content-type;host;x-tc-action, value lower-cased): hash, intermediate keys, signature', () => {
  const s = sign(HEADERS_B, KEY_B);
  assert.equal(s.signedHeaders, 'content-type;host;x-tc-action');
  assert.ok(s.canonicalRequest.includes('\nx-tc-action:describeinstances\n'));
  assert.equal(s.hashedCanonicalRequest, '7019a55be8395899b900fb5564e4200d984910f34794a27cb3fb7d10ff6a1e84');
  const keys = tc3SigningKeys(KEY_B, '2019-02-25', 'cvm');
  assert.equal(
    keys.secretDate.toString('hex'),
    'da98fb70dcf6b112dc21038d1eeeb3a95c74b4dcb12c1131f864f6066bd02be0',
  );
  assert.equal(
    keys.secretService.toString('hex'),
    '8d70cbefb03939f929db64d32dc2ba89b1095620119fe3e050e2b18c5bd2752f',
  );
  assert.equal(
    keys.secretSigning.toString('hex'),
    'b596b923aad85185e2d1f6659d2a062e0a86731226e021e61bfe06f7ed05f5af',
  );
  assert.equal(s.signature, '10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f');
});

test('cross-check values: each variant with the other key', () => {
  assert.equal(
    sign(HEADERS_A, KEY_B).signature,
    '0ba957c8479e10a99dbe251b81ef286936efd9d45d9be9e82afcc2cc2ce15b85',
  );
  assert.equal(
    sign(HEADERS_B, KEY_A).signature,
    '644be983de9a8a3f00db8eadaba61467c3b429e2215758ba897b738ca469fd26',
  );
});

test('header order and case do not change the signature; a changed body or header does', () => {
  const base = sign(HEADERS_B, KEY_A).signature;
  const shuffled = {
    'x-tc-action': 'describeinstances',
    HOST: ' cvm.tencentcloudapi.com ',
    'content-type': 'application/json; charset=utf-8',
  };
  assert.equal(sign(shuffled, KEY_A).signature, base);
  assert.notEqual(sign({ ...HEADERS_B, 'X-TC-Action': 'RunInstances' }, KEY_A).signature, base);
  const other = tc3Sign({
    secretId: SECRET_ID,
    secretKey: KEY_A,
    service: 'cvm',
    timestamp: TIMESTAMP,
    headers: HEADERS_B,
    payload: `${BODY} `,
  });
  assert.notEqual(other.signature, base);
  assert.deepEqual(canonicalHeaders({ B: 'X', a: 'Y ' }), { canonical: 'a:y\nb:x\n', signed: 'a;b' });
});

test('an Authorization header parses back into its parts; anything else does not', () => {
  const s = sign(HEADERS_B, KEY_A);
  assert.deepEqual(parseTc3Authorization(s.authorization), {
    secretId: SECRET_ID,
    date: '2019-02-25',
    service: 'cvm',
    signedHeaders: ['content-type', 'host', 'x-tc-action'],
    signature: s.signature,
  });
  assert.equal(parseTc3Authorization(undefined), undefined);
  assert.equal(parseTc3Authorization('Bearer abc'), undefined);
  assert.equal(parseTc3Authorization(s.authorization.replace('TC3-HMAC-SHA256', 'TC3-HMAC-SHA1')), undefined);
});
