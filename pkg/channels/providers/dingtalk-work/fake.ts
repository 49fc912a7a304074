import { randomBytes } from 'node:crypto';
import { type FakeReply, type FakeRequest, startFakeHttp } from '../../../testkit/fake-http.ts';
import { checkMsg } from './fake-msg.ts';

/**
 * A fake DingTalk server API for work notices (never imported by production code): checks what
 * DingTalk checks (PROVIDERS.md §5, §14) and answers as DingTalk does, HTTP 200 with
 * `{ errcode, errmsg, … }` and long task ids written as digits (ids past 2^53 stay exact). Tokens
 * come only from gettoken for the right AppKey/AppSecret and are handed out again within their
 * life. Sends keep DingTalk's silent rules: a userid it does not know, or the same content to the
 * same user within a day, is answered with success and shows up in getsendresult as invalid or
 * forbidden (`143106`).
 */

/** A send task DingTalk accepted. */
export type FakeTask = Readonly<{
  taskId: string;
  userids: readonly string[];
  toAllUser: boolean;
  msgtype: string;
  /** The request body as sent. */
  body: Readonly<Record<string, unknown>>;
  at: number;
}>;

export type DingtalkWorkFake = Readonly<{
  /** Point an account's `baseUrl` here. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  agentId: number;
  /** gettoken calls that reached the fake (whatever they came to). */
  readonly tokenCalls: number;
  /** Calls refused for their token (missing, unknown or expired). */
  readonly tokenRefusals: number;
  /** Calls answered per path (e.g. `/topapi/message/corpconversation/asyncsend_v2`). */
  calls(path: string): number;
  /** Accepted send tasks in arrival order. */
  tasks: FakeTask[];
  /** Task ids recalled so far. */
  recalled: string[];
  /** Every request received (recorded before any check). */
  requests: FakeRequest[];
  /** Userids DingTalk does not know: listed in `invalid_user_id_list`. */
  invalidUsers: Set<string>;
  /** Userids DingTalk fails to reach: listed in `failed_user_id_list`. */
  failedUsers: Set<string>;
  /** Expires every token issued so far: the next call with one is refused as stale. */
  expireTokens(): void;
  /** The next `n` calls to `path` (default asyncsend_v2) answer `errcode` (with `sub_code` under 88). */
  fail(f: { errcode: number; subCode?: string; times?: number; path?: string; status?: number }): void;
  /** Tasks sent from now on stay "in progress" until {@link finishTask} (default: finished at once). */
  holdTasks(hold: boolean): void;
  finishTask(taskId: string): void;
  /** Marks a receiver of a task as having read it. */
  markRead(taskId: string, userId: string): void;
  close(): Promise<void>;
}>;

/** errcodes of the fake: DingTalk's where §5 gives one; ❓ marks a stand-in for an unpublished one. */
export const FAKE_CODES = Object.freeze({
  badCredentials: 40089,
  tokenMissing: 41001,
  tokenInvalid: 40014,
  tokenExpired: 42001,
  generic: 88,
  noReceivers: 1430000,
  // ❓ DingTalk publishes no codes for these refusals; 40035 is the global "invalid parameter".
  invalidParameter: 40035,
  // ❓ agent id mismatch.
  badAgentId: 40056,
});

const PATH = Object.freeze({
  send: '/topapi/message/corpconversation/asyncsend_v2',
  result: '/topapi/message/corpconversation/getsendresult',
  progress: '/topapi/message/corpconversation/getsendprogress',
  recall: '/topapi/message/corpconversation/recall',
});
const MAX_USERIDS = 5000;
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
const DAY_MS = 24 * 3600_000;
const TOKEN_MSG: Record<number, string> = {
  [FAKE_CODES.tokenMissing]: '缺少参数access_token',
  [FAKE_CODES.tokenInvalid]: '不合法的access_token',
  [FAKE_CODES.tokenExpired]: 'access_token超时',
};

const requestId = () => randomBytes(6).toString('hex');
const err = (errcode: number, errmsg: string): FakeReply => ({
  status: 200,
  body: { errcode, errmsg, request_id: requestId() },
});
/** errcode 88 with the reason in sub_code, as topapi answers authorization failures. */
const err88 = (sub: number | string, msg: string): FakeReply => ({
  status: 200,
  body: {
    errcode: 88,
    errmsg: `ding talk error[subcode=${sub},submsg=${msg}]`,
    sub_code: String(sub),
    sub_msg: msg,
    request_id: requestId(),
  },
});
/** A task id read from the raw body (the JSON number may be past 2^53). */
const rawId = (body: string, field: string): string | undefined =>
  new RegExp(`"${field}"\\s*:\\s*"?(\\d{1,20})"?`).exec(body)?.[1];

type TaskState = { task: FakeTask; finished: boolean; read: Set<string>; forbidden: Set<string> };

/**
 * Starts the fake on a local port.
 *
 * @example
 * const fake = await startDingtalkWorkFake({ invalidUsers: ['ghost'] });
 * // account config: { appKey: fake.appKey, appSecret: fake.appSecret, agentId: fake.agentId, baseUrl: fake.baseUrl }
 * fake.expireTokens(); // every token issued so far is now refused (88 / sub_code 42001)
 * await fake.close();
 */
export async function startDingtalkWorkFake(
  opts: {
    appKey?: string;
    appSecret?: string;
    agentId?: number;
    invalidUsers?: Iterable<string>;
    tokenTtlS?: number;
    /** How topapi refuses a stale token: errcode 88 with sub_code (default) or the bare errcode. */
    tokenRefusal?: 'sub_code' | 'errcode';
    /** The first task id (default a 12-digit one; pass one past 2^53 to test exactness). */
    firstTaskId?: bigint;
    /** Latency of every send answer (keeps sends in flight for tests that need it). */
    sendDelayMs?: number;
    now?: () => number;
  } = {},
): Promise<DingtalkWorkFake> {
  const appKey = opts.appKey ?? `ding${randomBytes(8).toString('hex')}`;
  const appSecret = opts.appSecret ?? randomBytes(32).toString('base64url');
  const agentId = opts.agentId ?? 836390886;
  const ttlS = opts.tokenTtlS ?? 7200;
  const now = opts.now ?? Date.now;
  const tokens = new Map<string, number>(); // token → expires at (ms)
  let current: string | undefined;
  let tokenCalls = 0;
  let tokenRefusals = 0;
  let nextTaskId = opts.firstTaskId ?? 256271667526n;
  let hold = false;
  const injected: { errcode: number; subCode?: string; left: number; path: string; status: number }[] = [];
  const callsByPath = new Map<string, number>();
  const states = new Map<string, TaskState>();
  const tasks: FakeTask[] = [];
  const recalled: string[] = [];
  const invalidUsers = new Set(opts.invalidUsers ?? []);
  const failedUsers = new Set<string>();
  const sentToday = new Map<string, number>(); // `${userid}\n${msg}` → sent at

  const tokenError = (q: Readonly<Record<string, string>>): FakeReply | undefined => {
    const t = q.access_token;
    const exp = t ? tokens.get(t) : undefined;
    const code = !t
      ? FAKE_CODES.tokenMissing
      : exp === undefined
        ? FAKE_CODES.tokenInvalid
        : exp <= now()
          ? FAKE_CODES.tokenExpired
          : 0;
    if (code === 0) return undefined;
    tokenRefusals++;
    const msg = TOKEN_MSG[code]!;
    return opts.tokenRefusal === 'errcode' ? err(code, msg) : err88(code, msg);
  };

  const gettoken = (q: Readonly<Record<string, string>>): FakeReply => {
    tokenCalls++;
    if (q.appkey !== appKey || q.appsecret !== appSecret) {
      return err(FAKE_CODES.badCredentials, '不合法的corpId或corpSecret');
    }
    if (!current || (tokens.get(current) ?? 0) <= now()) {
      current = randomBytes(16).toString('hex');
      tokens.set(current, now() + ttlS * 1000);
    }
    const expiresIn = Math.max(1, Math.round(((tokens.get(current) ?? 0) - now()) / 1000));
    return { status: 200, body: { errcode: 0, errmsg: 'ok', access_token: current, expires_in: expiresIn } };
  };

  const send = (body: Record<string, unknown>): FakeReply => {
    const toAll = body.to_all_user === true;
    const list = body.userid_list;
    if (!toAll && (list === undefined || list === '')) return err(FAKE_CODES.noReceivers, '接受者为空');
    if (toAll && list !== undefined)
      return err(FAKE_CODES.invalidParameter, 'to_all_user 与 userid_list 不能同时使用');
    const userids = toAll ? [] : typeof list === 'string' ? list.split(',') : [];
    if (!toAll && (typeof list !== 'string' || userids.some((u) => !USERID.test(u)))) {
      return err(FAKE_CODES.invalidParameter, '不合法的userid_list');
    }
    if (userids.length > MAX_USERIDS)
      return err(FAKE_CODES.invalidParameter, `userid_list 超过 ${MAX_USERIDS} 人`);
    const bad = checkMsg(body.msg);
    if (bad) return err(FAKE_CODES.invalidParameter, bad);
    const msg = body.msg as { msgtype: string };
    const taskId = String(nextTaskId++);
    const task = Object.freeze({
      taskId,
      userids: Object.freeze(userids),
      toAllUser: toAll,
      msgtype: msg.msgtype,
      body,
      at: now(),
    });
    // DingTalk's silent rule: the same content reaches a user once a day.
    const text = JSON.stringify(msg);
    const forbidden = new Set<string>();
    for (const u of userids) {
      const key = `${u}\n${text}`;
      const at = sentToday.get(key);
      if (at !== undefined && now() - at < DAY_MS) forbidden.add(u);
      else sentToday.set(key, now());
    }
    tasks.push(task);
    states.set(taskId, { task, finished: !hold, read: new Set(), forbidden });
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: `{"errcode":0,"errmsg":"ok","task_id":${taskId},"request_id":"${requestId()}"}`,
      ...(opts.sendDelayMs ? { delayMs: opts.sendDelayMs } : {}),
    };
  };

  /** The task a result/progress/recall call names, or the refusal. */
  const taskOf = (req: FakeRequest, field: string): TaskState | FakeReply => {
    const id = rawId(req.body, field);
    const s = id ? states.get(id) : undefined;
    if (!s) return err(FAKE_CODES.invalidParameter, `不合法的${field}`);
    if (now() - s.task.at > DAY_MS) return err(FAKE_CODES.invalidParameter, '只能查询或撤回24小时内的消息');
    return s;
  };

  const result = (s: TaskState): FakeReply => {
    const of = (pick: (u: string) => boolean) => s.task.userids.filter(pick);
    const invalid = of((u) => invalidUsers.has(u));
    const forbidden = of((u) => !invalidUsers.has(u) && s.forbidden.has(u));
    const failed = of((u) => !invalid.includes(u) && !forbidden.includes(u) && failedUsers.has(u));
    const done = new Set([...invalid, ...forbidden, ...failed]);
    const reached = of((u) => !done.has(u));
    const read = reached.filter((u) => s.read.has(u));
    const unread = s.finished ? reached.filter((u) => !s.read.has(u)) : [];
    return {
      status: 200,
      body: {
        errcode: 0,
        errmsg: 'ok',
        send_result: {
          invalid_user_id_list: invalid,
          forbidden_user_id_list: forbidden,
          failed_user_id_list: failed,
          read_user_id_list: read,
          unread_user_id_list: unread,
          invalid_dept_id_list: [],
          forbidden_list: forbidden.map((userid) => ({ code: '143106', count: 1, userid })),
        },
        request_id: requestId(),
      },
    };
  };

  const api = (req: FakeRequest): FakeReply => {
    const bad = tokenError(req.query);
    if (bad) return bad;
    const inj = injected.find((f) => f.path === req.path && f.left > 0);
    if (inj) {
      inj.left--;
      if (inj.status !== 200) return { status: inj.status, body: 'injected' };
      return inj.subCode ? err88(inj.subCode, 'injected failure') : err(inj.errcode, 'injected failure');
    }
    const body = req.json() as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object') return err(FAKE_CODES.invalidParameter, '不合法的JSON');
    if (body.agent_id !== agentId) return err(FAKE_CODES.badAgentId, '不合法的agentId');
    if (req.path === PATH.send) return send(body);
    const s = taskOf(req, req.path === PATH.recall ? 'msg_task_id' : 'task_id');
    if (!('task' in s)) return s;
    if (req.path === PATH.result) return result(s);
    if (req.path === PATH.progress) {
      const progress = s.finished
        ? { progress_in_percent: 100, status: 2 }
        : { progress_in_percent: 50, status: 1 };
      return { status: 200, body: { errcode: 0, errmsg: 'ok', progress, request_id: requestId() } };
    }
    if (recalled.includes(s.task.taskId)) return err(FAKE_CODES.invalidParameter, '消息已撤回');
    recalled.push(s.task.taskId);
    return err(0, 'ok');
  };

  const http = await startFakeHttp((req) => {
    callsByPath.set(req.path, (callsByPath.get(req.path) ?? 0) + 1);
    if (req.method === 'GET' && req.path === '/gettoken') return gettoken(req.query);
    if (req.method === 'POST' && (Object.values(PATH) as string[]).includes(req.path)) return api(req);
    return { status: 404, body: { errcode: 404, errmsg: '请求的URI地址不存在' } };
  });

  return Object.freeze({
    baseUrl: http.url,
    appKey,
    appSecret,
    agentId,
    get tokenCalls() {
      return tokenCalls;
    },
    get tokenRefusals() {
      return tokenRefusals;
    },
    calls: (path: string) => callsByPath.get(path) ?? 0,
    tasks,
    recalled,
    requests: http.requests,
    invalidUsers,
    failedUsers,
    expireTokens() {
      const t = now();
      for (const k of tokens.keys()) tokens.set(k, t);
    },
    fail(f) {
      injected.push({
        errcode: f.errcode,
        ...(f.subCode ? { subCode: f.subCode } : {}),
        left: f.times ?? 1,
        path: f.path ?? PATH.send,
        status: f.status ?? 200,
      });
    },
    holdTasks(h: boolean) {
      hold = h;
    },
    finishTask(taskId: string) {
      const s = states.get(taskId);
      if (s) s.finished = true;
    },
    markRead(taskId: string, userId: string) {
      states.get(taskId)?.read.add(userId);
    },
    close: () => http.close(),
  });
}
