import { randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { ROBOT_SEND_PATH } from './config.ts';
import { verifyDingtalkSign } from './sign.ts';

/**
 * A fake DingTalk robot API for tests (never imported by production code). It hosts any number
 * of robots by access token and checks what DingTalk checks (PROVIDERS.md §4): the token
 * (300001), the robot's security settings (310000: the HMAC `sign` compared in constant time and
 * the 1-hour timestamp window, custom keywords), a JSON body, the msgtype and its required
 * fields, and 20 posts a minute per robot, past which the robot is locked for 10 minutes
 * (130101). A repeated `msgUuid` answers ok without posting again. Answers are HTTP 200 with
 * `{ errcode, errmsg }`, as DingTalk's.
 */

/** A post a robot made (errcode 0), with the body as sent. */
export type FakeRobotPost = Readonly<{
  accessToken: string;
  msgtype: string;
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

/** A robot's settings: a signing secret, custom keywords (the post must hold one), or neither. */
export type FakeRobotSpec = Readonly<{ secret?: string; keywords?: readonly string[] }>;

/** A robot the fake hosts. */
export type FakeRobot = Readonly<{ accessToken: string; secret?: string; keywords?: readonly string[] }>;

/** An injected failure: a DingTalk errcode (`{url}` in `errmsg` becomes the request's URL), a raw HTTP answer, or a dropped connection. */
export type FakeRobotFailure =
  | Readonly<{ errcode: number; errmsg?: string }>
  | Readonly<{ status: number; body?: string }>
  | Readonly<{ reset: true }>;

export type DingtalkRobotFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  /** The default robot (signed, no keywords). */
  robot: FakeRobot;
  /** Hosts another robot (its own token, settings and rate counter). */
  addRobot(spec?: FakeRobotSpec): FakeRobot;
  /** Posts made, in order. */
  posts: FakeRobotPost[];
  /** Requests answered with an errcode other than 0, by errcode. */
  refused(errcode: number): number;
  /** Posts answered ok without posting again (a `msgUuid` seen before). */
  readonly duplicates: number;
  /** Every request received, in order. */
  requests: FakeRequest[];
  /** Whether the robot is in its 10-minute lock at the fake's clock. */
  locked(accessToken: string): boolean;
  /** The next `times` (default 1) sends that pass the token and security checks fail with `f`. */
  failNext(f: FakeRobotFailure, times?: number): void;
  /** Holds every answer back by `ms` (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}>;

/**
 * errcodes of the fake: DingTalk's of PROVIDERS.md §4.4; for a refused body DingTalk's
 * "缺少参数 …" answer (40035 ◐, seen in answers to bodies without a field) and 400105 for an
 * unknown msgtype (❓ not in PROVIDERS.md).
 */
export const FAKE_CODES = Object.freeze({
  tooFast: 130101,
  security: 310000,
  noToken: 300001,
  missingParam: 40035,
  badMsgtype: 400105,
});

/** Posts a robot may make in a minute, and how long it is locked after (§4.4 ✅). */
const PER_MINUTE = 20;
const MINUTE_MS = 60_000;
const LOCK_MS = 600_000;

const answer = (errcode: number, errmsg: string): FakeReply => ({ status: 200, body: { errcode, errmsg } });

type Json = Record<string, unknown>;
type Refusal = Readonly<{ errcode: number; errmsg: string }>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const missing = (field: string): Refusal => ({
  errcode: FAKE_CODES.missingParam,
  errmsg: `缺少参数 ${field}`,
});

/** The first required field of `obj` that is not a non-empty string (named `<prefix>.<field>`). */
const firstMissing = (obj: Json, fields: readonly string[], prefix: string): Refusal | undefined => {
  const f = fields.find((k) => !isText(obj[k]));
  return f ? missing(`${prefix}.${f}`) : undefined;
};

/** The required fields of each msgtype's object (PROVIDERS.md §4.3); action cards are checked apart. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  text: ['content'],
  markdown: ['title', 'text'],
  link: ['title', 'text', 'messageUrl'],
  actionCard: ['title', 'text'],
  feedCard: [],
};

function actionCardError(card: Json): Refusal | undefined {
  if (card.btnOrientation !== undefined && card.btnOrientation !== '0' && card.btnOrientation !== '1') {
    return missing('actionCard.btnOrientation');
  }
  if (card.singleTitle !== undefined || card.singleURL !== undefined) {
    return firstMissing(card, ['singleTitle', 'singleURL'], 'actionCard');
  }
  if (!Array.isArray(card.btns) || card.btns.length === 0) return missing('actionCard.btns');
  for (const b of card.btns) {
    if (!isObject(b)) return missing('actionCard.btns');
    const bad = firstMissing(b, ['title', 'actionURL'], 'actionCard.btns');
    if (bad) return bad;
  }
  return undefined;
}

function feedCardError(card: Json): Refusal | undefined {
  if (!Array.isArray(card.links) || card.links.length === 0) return missing('feedCard.links');
  for (const l of card.links) {
    if (!isObject(l)) return missing('feedCard.links');
    const bad = firstMissing(l, ['title', 'messageURL'], 'feedCard.links');
    if (bad) return bad;
  }
  return undefined;
}

function atError(at: unknown): Refusal | undefined {
  if (at === undefined) return undefined;
  const list = (v: unknown) => v === undefined || (Array.isArray(v) && v.every(isText));
  if (!isObject(at) || !list(at.atMobiles) || !list(at.atUserIds)) return missing('at');
  if (at.isAtAll !== undefined && typeof at.isAtAll !== 'boolean') return missing('at.isAtAll');
  return undefined;
}

/** Why DingTalk would refuse this body (undefined: it is a well-formed message). */
function messageError(body: Json | undefined): Refusal | undefined {
  if (!isObject(body)) return missing('json');
  if (!isText(body.msgtype)) return missing('msgtype');
  const required = REQUIRED[body.msgtype];
  if (!required) return { errcode: FAKE_CODES.badMsgtype, errmsg: '不支持的消息类型' };
  const obj = body[body.msgtype];
  if (!isObject(obj)) return missing(body.msgtype);
  if (body.msgUuid !== undefined && !isText(body.msgUuid)) return missing('msgUuid');
  return (
    firstMissing(obj, required, body.msgtype) ??
    (body.msgtype === 'actionCard' ? actionCardError(obj) : undefined) ??
    (body.msgtype === 'feedCard' ? feedCardError(obj) : undefined) ??
    atError(body.at)
  );
}

/** Every string inside a message object: where DingTalk looks for a robot's keywords. */
const keywordText = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : Array.isArray(v)
      ? v.map(keywordText).join('\n')
      : isObject(v)
        ? Object.values(v).map(keywordText).join('\n')
        : '';

type RobotState = FakeRobot & { sent: number[]; lockedUntil: number; uuids: Set<string> };

/**
 * Starts the fake on a local port with one signed robot.
 *
 * @example
 * const fake = await startDingtalkRobotFake({ now: () => clock });
 * // account config: { accessToken: fake.robot.accessToken, secret: fake.robot.secret, baseUrl: fake.baseUrl }
 * const open = fake.addRobot({ keywords: ['告警'] }); // unsigned, keyword-checked
 * fake.failNext({ errcode: -1, errmsg: '系统繁忙' });
 * await fake.close();
 */
export async function startDingtalkRobotFake(
  opts: { secret?: string; keywords?: readonly string[]; now?: () => number } = {},
): Promise<DingtalkRobotFake> {
  const now = opts.now ?? Date.now;
  const robots = new Map<string, RobotState>();
  const posts: FakeRobotPost[] = [];
  const refusals = new Map<number, number>();
  let duplicates = 0;
  let failing: { f: FakeRobotFailure; left: number } | undefined;
  let delayMs = 0;

  const addRobot = (spec: FakeRobotSpec = {}): FakeRobot => {
    const accessToken = randomBytes(32).toString('hex');
    const robot = Object.freeze({
      accessToken,
      ...(spec.secret ? { secret: spec.secret } : {}),
      ...(spec.keywords ? { keywords: Object.freeze([...spec.keywords]) } : {}),
    });
    robots.set(accessToken, { ...robot, sent: [], lockedUntil: 0, uuids: new Set() });
    return robot;
  };
  const robot = addRobot({
    secret: opts.secret ?? `SEC${randomBytes(32).toString('hex')}`,
    ...(opts.keywords ? { keywords: opts.keywords } : {}),
  });

  const refuse = (errcode: number, errmsg: string): FakeReply => {
    refusals.set(errcode, (refusals.get(errcode) ?? 0) + 1);
    return answer(errcode, errmsg);
  };

  const injected = (req: FakeRequest): FakeReply | undefined => {
    if (!failing || failing.left <= 0) return undefined;
    failing.left--;
    const { f } = failing;
    if ('reset' in f) return { status: 200, reset: true };
    if ('status' in f) return { status: f.status, body: f.body ?? '' };
    return refuse(f.errcode, (f.errmsg ?? 'injected failure').replaceAll('{url}', req.url));
  };

  /** The 20-a-minute rule: false (and the robot locked) when this post would be one too many. */
  const admit = (r: RobotState): boolean => {
    const t = now();
    if (t < r.lockedUntil) return false;
    r.sent = r.sent.filter((at) => t - at < MINUTE_MS);
    if (r.sent.length >= PER_MINUTE) {
      r.lockedUntil = t + LOCK_MS;
      return false;
    }
    return true;
  };

  const send = (req: FakeRequest): FakeReply => {
    const r = req.query.access_token ? robots.get(req.query.access_token) : undefined;
    if (!r) return refuse(FAKE_CODES.noToken, 'token is not exist');
    if (r.secret) {
      const check = verifyDingtalkSign(req.query, r.secret, now());
      if (check !== 'ok') return refuse(FAKE_CODES.security, `${check}, more: [fake]`);
    }
    const fail = injected(req);
    if (fail) return fail;
    const isJson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
    const msg = isJson ? (req.json() as Json | undefined) : undefined;
    const bad = messageError(msg);
    if (bad || !msg) return refuse(bad?.errcode ?? FAKE_CODES.missingParam, bad?.errmsg ?? '缺少参数 json');
    const msgtype = String(msg.msgtype);
    if (r.keywords?.length) {
      const text = keywordText(msg[msgtype]);
      if (!r.keywords.some((k) => text.includes(k))) {
        return refuse(FAKE_CODES.security, 'keywords not in content, more: [fake]');
      }
    }
    if (!admit(r)) return refuse(FAKE_CODES.tooFast, 'send too fast, exceed 20 times per minute');
    const uuid = typeof msg.msgUuid === 'string' ? msg.msgUuid : undefined;
    if (uuid && r.uuids.has(uuid)) {
      duplicates++;
      return answer(0, 'ok');
    }
    if (uuid) r.uuids.add(uuid);
    r.sent.push(now());
    posts.push(Object.freeze({ accessToken: r.accessToken, msgtype, body: msg, at: now() }));
    return answer(0, 'ok');
  };

  const http = await startFakeHttp((req) => {
    if (req.method !== 'POST' || req.path !== ROBOT_SEND_PATH) return { status: 404, body: 'not found' };
    const reply = send(req);
    return delayMs ? { ...reply, delayMs } : reply;
  });

  return Object.freeze({
    baseUrl: http.url,
    robot,
    addRobot,
    posts,
    refused: (errcode: number) => refusals.get(errcode) ?? 0,
    get duplicates() {
      return duplicates;
    },
    requests: http.requests,
    locked: (accessToken: string) => now() < (robots.get(accessToken)?.lockedUntil ?? 0),
    failNext(f: FakeRobotFailure, times = 1) {
      failing = { f, left: times };
    },
    delay(ms: number) {
      delayMs = ms;
    },
    close: () => http.close(),
  });
}
