import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { checkUrl, guardedLookup, isBlockedAddress, type LookupFn } from './ssrf.ts';
import { HttpError } from './types.ts';

const BLOCKED: readonly (readonly [string, string])[] = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['fc00::1', 'private (unique local)'],
  ['fd12:3456::1', 'private (unique local)'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['169.254.0.1', 'link-local (cloud metadata)'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['0.0.0.0', 'unspecified ("this network")'],
  ['0.1.2.3', 'unspecified ("this network")'],
  ['::', 'unspecified'],
  ['100.64.0.1', 'shared address space (CGNAT)'],
  ['100.127.255.255', 'shared address space (CGNAT)'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['ff02::1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'link-local (cloud metadata)'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['not-an-ip', 'invalid address'],
];

const ALLOWED = [
  '8.8.8.8',
  '93.184.216.34',
  '9.255.255.255',
  '11.0.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '126.255.255.255',
  '128.0.0.1',
  '169.253.255.255',
  '172.15.255.255',
  '172.32.0.1',
  '192.167.255.255',
  '192.169.0.1',
  '223.255.255.255',
  '2001:4860:4860::8888',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  'fbff::1',
  '2a00:1450:4001::1',
];

test('isBlockedAddress names the class of every refused range', () => {
  for (const [ip, cls] of BLOCKED) assert.equal(isBlockedAddress(ip), cls, ip);
});

test('isBlockedAddress lets public addresses through, including right next to refused ranges', () => {
  for (const ip of ALLOWED) assert.equal(isBlockedAddress(ip), undefined, ip);
});

test('checkUrl refuses other schemes and literal refused IPs, permanently', () => {
  const refused = [
    ['file:///etc/passwd', /only http and https/],
    ['gopher://example.com/', /only http and https/],
    ['not a url', /not a valid URL/],
    ['http://127.0.0.1:8080/x', /loopback/],
    ['http://2130706433/', /loopback/],
    ['http://0x7f.1/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://[::ffff:169.254.169.254]/latest/meta-data', /link-local/],
    ['https://10.0.0.1/', /private/],
  ] as const;
  for (const [url, msg] of refused) {
    assert.throws(
      () => checkUrl(url),
      (e: unknown) =>
        e instanceof HttpError && e.code === 'HTTP_BLOCKED_ADDRESS' && !e.retryable && msg.test(e.message),
      url,
    );
  }
});

test('checkUrl allows names and credentials, and its errors never show the query or credentials', () => {
  assert.equal(checkUrl('https://api.example.com/send?key=1').host, 'api.example.com');
  assert.equal(checkUrl('https://user:pw@api.example.com/').username, 'user');
  assert.throws(
    () => checkUrl('http://admin:hunter2@10.1.2.3/hook?token=s3cret'),
    (e: Error) => /private/.test(e.message) && !/hunter2|s3cret|admin/.test(e.message),
  );
});

/** A resolver that answers `answers` for any name, in `dns.lookup` shape. */
const fakeResolver = (answers: LookupAddress[]): LookupFn =>
  ((_host: string, _opts: unknown, cb: (e: null, a: LookupAddress[]) => void) =>
    cb(null, answers)) as unknown as LookupFn;

function lookupOnce(
  fn: LookupFn,
  all: boolean,
): Promise<{ err: Error | null; address: unknown; family?: number }> {
  return new Promise((resolve) =>
    fn('svc.test', { all }, (err, address, family) => resolve({ err, address, family } as never)),
  );
}

test('guardedLookup refuses a name when any of its addresses is refused, and passes public ones on', async () => {
  const mixed = guardedLookup(
    fakeResolver([
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ]),
  );
  const refused = await lookupOnce(mixed, false);
  assert.ok(refused.err instanceof HttpError);
  assert.equal((refused.err as HttpError).code, 'HTTP_BLOCKED_ADDRESS');
  assert.match(refused.err.message, /svc\.test \(127\.0\.0\.1\): loopback/);

  const pub = guardedLookup(fakeResolver([{ address: '2606:4700:4700::1111', family: 6 }]));
  assert.deepEqual(await lookupOnce(pub, false), { err: null, address: '2606:4700:4700::1111', family: 6 });
  const all = await lookupOnce(pub, true);
  assert.deepEqual(all.address, [{ address: '2606:4700:4700::1111', family: 6 }]);
});
