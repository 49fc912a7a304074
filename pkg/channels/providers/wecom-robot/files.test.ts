import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../../testkit/testkit.ts';
import { wecomRobot } from './definition.ts';
import { type FileHost, failed, openRobotEnv, post, type RobotEnv, startFileHost } from './fixtures.ts';

/**
 * File messages: the bytes are uploaded (multipart, field `media`) and the post names the
 * `media_id` the upload got; a file URL is downloaded first through the kit's guarded client.
 * A local server stands in for the file host.
 */
describe('WeCom group robot: files', () => {
  let env: RobotEnv;
  let files: FileHost;
  const served = new Map<string, { status: number; body: Buffer | string }>();
  before(async () => {
    env = await openRobotEnv();
    files = await startFileHost(served);
  });
  after(async () => {
    await files.close();
    await env.close();
  });

  const csv = 'order,amount\n7,12.50\n8,备注\n';

  test('a base64 file is uploaded with its name, then posted by its media_id', async () => {
    const f = await env.fake();
    const content = { type: 'file', base64: Buffer.from(csv).toString('base64'), filename: '订单.csv' };
    assert.deepEqual(await post(env.client(f), content), { ok: true });
    assert.equal(f.uploads.length, 1);
    const [u] = f.uploads;
    assert.equal(u?.filename, '订单.csv');
    assert.equal(u?.bytes.toString('utf8'), csv);
    assert.deepEqual(f.posts[0]?.body, { msgtype: 'file', file: { media_id: u?.mediaId } });
    const up = f.requests.find((r) => r.path === '/cgi-bin/webhook/upload_media')!;
    assert.equal(up.query.type, 'file');
    assert.equal(up.query.key, f.key);
    assert.match(up.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    assert.match(up.body, new RegExp(`filelength=${Buffer.byteLength(csv)}`));
  });

  test('every attempt uploads afresh, so an expired media_id never sticks', async () => {
    const f = await env.fake();
    const c = env.client(f);
    const content = { type: 'file', base64: Buffer.from(csv).toString('base64'), filename: 'r.csv' };
    await post(c, content);
    await post(c, content);
    assert.equal(f.uploads.length, 2);
    assert.notEqual(f.uploads[0]?.mediaId, f.uploads[1]?.mediaId);
    assert.deepEqual(
      f.posts.map((p) => (p.body.file as { media_id: string }).media_id),
      f.uploads.map((u) => u.mediaId),
    );
  });

  test('a file URL is downloaded, named after its last segment and uploaded', async () => {
    const f = await env.fake();
    served.set('/exports/weekly%20report.csv', { status: 200, body: csv });
    const url = `${files.url}/exports/weekly%20report.csv?sig=abc`;
    assert.deepEqual(await post(env.client(f), { type: 'file', url }), { ok: true });
    assert.equal(f.uploads[0]?.filename, 'weekly report.csv');
    assert.equal(f.uploads[0]?.bytes.toString('utf8'), csv);
    assert.equal(f.posts.length, 1);
    // The content's filename wins over the URL's.
    assert.equal((await post(env.client(f), { type: 'file', url, filename: 'w12.csv' })).ok, true);
    assert.equal(f.uploads[1]?.filename, 'w12.csv');
  });

  test('download failures: 404 permanent, 503 retryable and not in doubt; a binary file comes through', async () => {
    const f = await env.fake();
    const c = env.client(f);
    const missing = failed(await post(c, { type: 'file', url: `${files.url}/gone.pdf` }));
    assert.equal(missing.code, 'FILE_HTTP_404');
    assert.equal(missing.retryable, false);
    served.set('/busy.pdf', { status: 503, body: 'busy' });
    const busy = failed(await post(c, { type: 'file', url: `${files.url}/busy.pdf` }));
    assert.equal(busy.code, 'FILE_HTTP_503');
    assert.equal(busy.retryable, true);
    assert.equal(busy.failover, true, 'nothing was posted: another account may take it');
    assert.equal(busy.inDoubt, undefined);
    assert.equal(wecomRobot.tripsBreaker?.(busy), false, 'a file host down is not WeCom down');
    // The kit hands answers over as bytes: a file that is not UTF-8 is uploaded as it is.
    served.set('/logo.bin', { status: 200, body: Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x90, 0xc3, 0x28]) });
    assert.equal((await post(c, { type: 'file', url: `${files.url}/logo.bin` })).ok, true);
    const gone = failed(await post(c, { type: 'file', url: `http://127.0.0.1:${await freePort()}/a.csv` }));
    assert.deepEqual([gone.code, gone.retryable, gone.inDoubt], ['FILE_HTTP_CONNECT', true, undefined]);
    served.set('/tiny.txt', { status: 200, body: 'abc' });
    assert.equal(
      failed(await post(c, { type: 'file', url: `${files.url}/tiny.txt` })).code,
      'FILE_TOO_LARGE',
    );
    assert.equal(f.calls.upload_media, 1, 'only the binary file was uploaded');
    assert.equal(f.posts.length, 1);
  });

  test('the SSRF guard refuses a file URL on the local network before connecting', async () => {
    const f = await env.fake();
    served.set('/internal.csv', { status: 200, body: csv });
    const before = files.hits();
    const o = failed(
      await post(env.client(f, {}, { guarded: true }), { type: 'file', url: `${files.url}/internal.csv` }),
    );
    assert.equal(o.code, 'FILE_HTTP_BLOCKED_ADDRESS');
    assert.equal(o.retryable, false);
    assert.equal(files.hits(), before, 'the file host was never reached');
    assert.equal(f.calls.upload_media, 0);
  });

  test('upload refusals and failures: nothing posted, none in doubt', async () => {
    const f = await env.fake();
    const c = env.client(f);
    const content = { type: 'file', base64: Buffer.from(csv).toString('base64'), filename: 'r.csv' };
    f.failNext({ errcode: 45009, errmsg: 'api freq out of limit' }, 1, ['upload_media']);
    const slow = failed(await post(c, content));
    assert.equal(slow.rateLimited, true);
    assert.equal(slow.retryAfterMs, 60_000);
    f.failNext({ reset: true }, 1, ['upload_media']);
    const reset = failed(await post(c, content));
    assert.equal(reset.code, 'HTTP_RESET');
    assert.equal(reset.inDoubt, undefined, 'an upload cut off posted nothing');
    assert.equal(reset.failover, true);
    f.failNext({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' }, 1, ['upload_media']);
    assert.equal(failed(await post(c, content)).code, 'NO_MEDIA_ID');
    assert.equal(f.calls.send, 0);
    assert.equal((await post(c, content)).ok, true);
  });
});
