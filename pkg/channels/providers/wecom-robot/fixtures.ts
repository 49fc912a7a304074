import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { deflateSync } from 'node:zlib';
import type { Template } from '../../../domain/template.ts';
import { testDelivery, testTemplate } from '../../../testkit/messages.ts';
import { testRedis } from '../../../testkit/testkit.ts';
import type { ProviderClient, SendOutcome } from '../../definition.ts';
import { createHttpClient, createKit } from '../../kit/index.ts';
import type { HttpClient, Kit } from '../../kit/types.ts';
import type { WecomRobotContent } from './content.ts';
import { wecomRobot } from './definition.ts';
import { startWecomRobotFake, type WecomRobotFake, type WecomRobotFakeOptions } from './fake.ts';

/**
 * Test-only: a robot fake, kits and clients built as processes build them (pkg/channels/kit),
 * with the guarded client (`publicHttp`) swapped for a plain one where a test downloads files
 * from a local server (the guard refuses loopback, as the SSRF test shows).
 */

/** A 1×1 PNG (real: signature, IHDR, IDAT, IEND), as bytes. */
export function tinyPng(): Buffer {
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export type RobotEnv = Readonly<{
  fake(opts?: WecomRobotFakeOptions): Promise<WecomRobotFake>;
  /** A client of the fake's robot (`over` patches the config; `guarded`: the SSRF-guarded publicHttp). */
  client(
    f: WecomRobotFake,
    over?: Record<string, unknown>,
    opts?: { guarded?: boolean; now?: () => number },
  ): ProviderClient<WecomRobotContent>;
  kit(opts?: { guarded?: boolean; now?: () => number }): Kit;
  close(): Promise<void>;
}>;

/**
 * Opens the test environment: real Redis (the kit needs it), shared HTTP clients, fakes closed
 * by `close()`.
 *
 * @example const env = await openRobotEnv(); const f = await env.fake(); const c = env.client(f);
 */
export async function openRobotEnv(): Promise<RobotEnv> {
  const r = await testRedis();
  const http: HttpClient = createHttpClient({});
  const guarded: HttpClient = createHttpClient({ guard: { allowPrivateNetworks: false } });
  const fakes: WecomRobotFake[] = [];
  const kit = (opts: { guarded?: boolean; now?: () => number } = {}) =>
    createKit({
      redis: r.redis,
      keys: r.keys,
      accountId: 1,
      http,
      publicHttp: opts.guarded ? guarded : http,
      ...(opts.now ? { now: opts.now } : {}),
    });
  return Object.freeze({
    async fake(opts: WecomRobotFakeOptions = {}) {
      const f = await startWecomRobotFake(opts);
      fakes.push(f);
      return f;
    },
    kit,
    client(f: WecomRobotFake, over: Record<string, unknown> = {}, opts = {}) {
      const config = wecomRobot.config.parse({ key: f.key, baseUrl: f.baseUrl, ...over });
      return wecomRobot.create(config, kit(opts), { id: 1, channel: 'wecom_robot', provider: 'wecom' });
    },
    async close() {
      for (const f of fakes) await f.close();
      await Promise.all([http.close(), guarded.close()]);
      await r.cleanup();
    },
  });
}

export const robotTemplate = (content: unknown): Template =>
  testTemplate({ name: 'robot', channel: 'wecom_robot', content });

/**
 * Posts `content` (parsed by the provider's content schema, as the sender does) mentioning
 * `receiver` (the group post's mention list).
 *
 * @example await post(client, { text: 'hi' }, 'ann,@all')
 */
export function post(
  client: ProviderClient<WecomRobotContent>,
  content: unknown,
  receiver = 'group',
): Promise<SendOutcome> {
  const parsed = wecomRobot.content.parse(content);
  return client.send({
    delivery: testDelivery({ channel: 'wecom_robot', receiver }),
    template: robotTemplate(content),
    content: parsed,
  });
}

/** The failure half of an outcome (fails the test on a success). */
export function failed(o: SendOutcome | undefined) {
  assert.ok(o && !o.ok, `expected a failure, got ${JSON.stringify(o)}`);
  return o;
}

/** A file host for download tests: serves raw bytes by path (the fake HTTP server sends text only). */
export type FileHost = Readonly<{ url: string; hits(): number; close(): Promise<void> }>;

/**
 * Starts a file host on 127.0.0.1 answering `files.get(path)` (404 when absent), read per request.
 *
 * @example const host = await startFileHost(new Map([['/r.csv', { status: 200, body: 'a,b' }]]));
 */
export async function startFileHost(
  files: ReadonlyMap<string, { status: number; body: Buffer | string }>,
): Promise<FileHost> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    const f = files.get(new URL(req.url ?? '/', 'http://host').pathname);
    res
      .writeHead(f?.status ?? 404, { 'content-type': 'application/octet-stream' })
      .end(f?.body ?? 'no such file');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return Object.freeze({
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  });
}
