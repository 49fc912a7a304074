import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { checkMessage } from './fake-messages.ts';
import { readUpload } from './fake-upload.ts';

/**
 * A fake WeCom group robot API for tests (never imported by production code): checks what
 * WeCom checks (PROVIDERS.md §6; message rules in fake-messages.ts, uploads in fake-upload.ts)
 * and answers as WeCom does, HTTP 200 with `{ errcode, errmsg }`. Each robot is a key; posts
 * over 20 a rolling minute per robot answer 45009; a `media_id` serves only the robot that
 * uploaded it, for three days.
 */

export type RobotEndpoint = 'send' | 'upload_media';

/** A post WeCom accepted. */
export type FakeRobotPost = Readonly<{
  key: string;
  msgtype: string;
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

/** A file WeCom stored. `bytes` are what arrived (see fake-upload.ts on binary content). */
export type FakeRobotUpload = Readonly<{
  mediaId: string;
  key: string;
  filename: string;
  bytes: Buffer;
  md5: string;
  at: number;
}>;

/** An injected failure: a WeCom errcode (HTTP 200), an HTTP status, or a dropped connection. */
export type RobotFakeFailure = Readonly<
  | { errcode: number; errmsg?: string }
  | { status: number; body?: string; headers?: Record<string, string> }
  | { reset: true }
>;

export type WecomRobotFakeOptions = {
  key?: string;
  /** Posts per robot per rolling minute (WeCom: 20). */
  perMinute?: number;
  /** How long a media_id serves (WeCom: 3 days). */
  mediaTtlMs?: number;
  delayMs?: number;
  now?: () => number;
};

export type WecomRobotFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  /** The first robot's key. */
  key: string;
  /** Calls that reached each endpoint, whatever they came to. */
  readonly calls: Readonly<Record<RobotEndpoint, number>>;
  posts: FakeRobotPost[];
  uploads: FakeRobotUpload[];
  requests: FakeRequest[];
  /** Another robot (in another group); returns its key. */
  addRobot(): string;
  /** The robot was removed from its group: its key answers 93000 from now on. */
  removeRobot(key: string): void;
  /** The next `n` calls of `endpoints` (default: send) fail as told. */
  failNext(f: RobotFakeFailure, n?: number, endpoints?: readonly RobotEndpoint[]): void;
  setDelay(ms: number): void;
  close(): Promise<void>;
}>;

/** errcodes of the fake, WeCom's where its tables give one. */
export const ROBOT_CODES = Object.freeze({
  invalidKey: 93000,
  rateLimited: 45009,
  badJson: 47001,
  badUploadType: 40005,
  badFileSize: 40006,
  emptyMedia: 44001,
});

const PATHS: Readonly<Record<string, RobotEndpoint>> = {
  '/cgi-bin/webhook/send': 'send',
  '/cgi-bin/webhook/upload_media': 'upload_media',
};

/** WeCom's errors carry a hint and a help link after the message. */
export const errorReply = (errcode: number, errmsg: string): FakeReply => ({
  status: 200,
  body: {
    errcode,
    errmsg: `${errmsg}, hint: [${randomBytes(8).toString('hex')}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`,
  },
});

const injected = (f: RobotFakeFailure): FakeReply =>
  'reset' in f
    ? { status: 200, reset: true }
    : 'status' in f
      ? { status: f.status, body: f.body ?? '', ...(f.headers ? { headers: f.headers } : {}) }
      : errorReply(f.errcode, f.errmsg ?? 'injected failure');

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startWecomRobotFake();
 * // account config: { key: fake.key, baseUrl: fake.baseUrl }
 * fake.failNext({ errcode: -1 });       // the next post answers "system busy"
 * fake.removeRobot(fake.key);           // from now on 93000
 * await fake.close();
 */
export async function startWecomRobotFake(opts: WecomRobotFakeOptions = {}): Promise<WecomRobotFake> {
  const now = opts.now ?? Date.now;
  const perMinute = opts.perMinute ?? 20;
  const mediaTtlMs = opts.mediaTtlMs ?? 3 * 86_400_000;
  const key = opts.key ?? randomUUID();
  const keys = new Set([key]);
  let delayMs = opts.delayMs ?? 0;
  let failing: { f: RobotFakeFailure; left: number; endpoints: readonly RobotEndpoint[] } | undefined;
  const calls: Record<RobotEndpoint, number> = { send: 0, upload_media: 0 };
  const posts: FakeRobotPost[] = [];
  const uploads: FakeRobotUpload[] = [];
  const media = new Map<string, FakeRobotUpload>();

  const mediaFor = (robot: string, id: string): boolean => {
    const m = media.get(id);
    return m !== undefined && m.key === robot && now() - m.at < mediaTtlMs;
  };

  const send = (robot: string, req: FakeRequest): FakeReply => {
    const body = req.json();
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return errorReply(ROBOT_CODES.badJson, 'Warning: wrong json format');
    }
    const t = now();
    if (posts.filter((p) => p.key === robot && t - p.at < 60_000).length >= perMinute) {
      return errorReply(ROBOT_CODES.rateLimited, 'api freq out of limit');
    }
    const refused = checkMessage(body as Record<string, unknown>, (id) => mediaFor(robot, id));
    if (refused) return errorReply(refused.errcode, refused.errmsg);
    const msg = body as Record<string, unknown>;
    posts.push(Object.freeze({ key: robot, msgtype: String(msg.msgtype), body: msg, at: t }));
    return { status: 200, body: { errcode: 0, errmsg: 'ok' } };
  };

  const upload = (robot: string, req: FakeRequest): FakeReply => {
    if (req.query.type !== 'file') return errorReply(ROBOT_CODES.badUploadType, 'invalid media type');
    const file = readUpload(req.headers['content-type'] ?? '', req.body);
    if ('errcode' in file) return errorReply(file.errcode, file.errmsg);
    const mediaId = randomBytes(24).toString('base64url');
    const md5 = createHash('md5').update(file.bytes).digest('hex');
    const u = Object.freeze({
      mediaId,
      key: robot,
      filename: file.filename,
      bytes: file.bytes,
      md5,
      at: now(),
    });
    uploads.push(u);
    media.set(mediaId, u);
    const createdAt = String(Math.floor(u.at / 1000));
    return {
      status: 200,
      body: { errcode: 0, errmsg: 'ok', type: 'file', media_id: mediaId, created_at: createdAt },
    };
  };

  const http = await startFakeHttp((req) => {
    const endpoint = PATHS[req.path];
    if (!endpoint || req.method !== 'POST') return { status: 404, body: 'not found' };
    calls[endpoint]++;
    const delay = delayMs ? { delayMs } : {};
    if (failing && failing.left > 0 && failing.endpoints.includes(endpoint)) {
      failing.left--;
      return { ...injected(failing.f), ...delay };
    }
    const robot = req.query.key ?? '';
    if (!keys.has(robot)) return { ...errorReply(ROBOT_CODES.invalidKey, 'invalid webhook url'), ...delay };
    return { ...(endpoint === 'send' ? send(robot, req) : upload(robot, req)), ...delay };
  });

  return Object.freeze({
    baseUrl: http.url,
    key,
    calls,
    posts,
    uploads,
    requests: http.requests,
    addRobot() {
      const k = randomUUID();
      keys.add(k);
      return k;
    },
    removeRobot(k: string) {
      keys.delete(k);
    },
    failNext(f: RobotFakeFailure, n = 1, endpoints: readonly RobotEndpoint[] = ['send']) {
      failing = { f, left: n, endpoints };
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
