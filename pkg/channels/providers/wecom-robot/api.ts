import { failure, type SendFailure } from '../../definition.ts';
import { statusClass, transportFailure } from '../../failures.ts';
import { scrub } from '../../kit/scrub.ts';
import type { HttpRequest, Kit } from '../../kit/types.ts';
import type { WecomRobotConfig } from './config.ts';
import { BAD_RESPONSE, NO_MEDIA_ID, RATE_LIMIT_RETRY_MS, WECOM_ROBOT_ERRORS } from './errors.ts';
import { multipartFile } from './multipart.ts';

/**
 * The two robot endpoints (PROVIDERS.md §6.1): `send` posts a message to the robot's group,
 * `upload_media` stores a file for a later `file` post. Both carry the key in the query string
 * and answer HTTP 200 with `{ errcode, errmsg, … }` (errcode 0 = success). The key is the
 * robot: nothing that reaches an outcome or a log may quote it.
 */

/** A WeCom answer body (other fields depend on the call). */
export type RobotAnswer = Readonly<{ errcode: number; errmsg: string } & Record<string, unknown>>;

/** A call's result: WeCom's answer with errcode 0, or the failure it came to. */
export type CallResult = Readonly<{ ok: true; answer: RobotAnswer }> | SendFailure;

/** An upload's result: the `media_id` to post, or the failure. */
export type UploadResult = Readonly<{ ok: true; mediaId: string }> | SendFailure;

/** How long an upload (up to 20 MB) may take, whatever the account's post timeout. */
export const TRANSFER_TIMEOUT_MS = 60_000;

/** A Retry-After header in seconds, as milliseconds (dates and junk: none). */
const retryAfter = (h: string | undefined): number | undefined => {
  const s = Number(h);
  return h && Number.isFinite(s) && s >= 0 ? Math.min(s, 3600) * 1000 : undefined;
};

/**
 * The API of one robot.
 *
 * @example
 * const api = robotApi(config, kit);
 * const r = await api.post({ msgtype: 'text', text: { content: 'hi' } });
 * const u = await api.upload('report.csv', Buffer.from('a,b\n'));
 * if (u.ok) await api.post({ msgtype: 'file', file: { media_id: u.mediaId } });
 */
export function robotApi(config: WecomRobotConfig, kit: Kit) {
  const base = config.baseUrl.replace(/\/+$/, '');
  const key = encodeURIComponent(config.key);
  const secrets = [config.key];

  /**
   * One request and its answer. `inDoubt: false` for uploads: an upload that got no answer
   * posted nothing, so unlike a post it may go to another account.
   */
  async function call(req: HttpRequest, inDoubt?: false): Promise<CallResult> {
    const opts = inDoubt === false ? { inDoubt } : {};
    let res: Awaited<ReturnType<Kit['http']['request']>>;
    try {
      res = await kit.http.request(req);
    } catch (err) {
      return transportFailure(WECOM_ROBOT_ERRORS, err, secrets, opts);
    }
    const body = res.json() as Partial<RobotAnswer> | undefined;
    const errmsg = typeof body?.errmsg === 'string' ? scrub(body.errmsg, secrets) : '';
    if (res.status !== 200) {
      const text = errmsg || scrub(res.body.slice(0, 200), secrets) || `HTTP ${res.status}`;
      const wait = retryAfter(res.headers['retry-after']);
      return failure(WECOM_ROBOT_ERRORS, `HTTP_${res.status}`, text, {
        fallback: statusClass(res.status),
        ...opts,
        ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      });
    }
    if (!body || typeof body !== 'object' || typeof body.errcode !== 'number') {
      return failure(WECOM_ROBOT_ERRORS, BAD_RESPONSE, 'answer is not a WeCom errcode object', opts);
    }
    if (body.errcode !== 0) {
      const code = String(body.errcode);
      return failure(WECOM_ROBOT_ERRORS, code, errmsg || 'error', {
        ...opts,
        ...(WECOM_ROBOT_ERRORS[code] === 'rate_limited' ? { retryAfterMs: RATE_LIMIT_RETRY_MS } : {}),
      });
    }
    return { ok: true, answer: { ...body, errmsg } as RobotAnswer };
  }

  return Object.freeze({
    /** Posts one message (`{ msgtype, <msgtype>: {…} }`) to the robot's group. */
    post: (message: Readonly<Record<string, unknown>>): Promise<CallResult> =>
      call({
        method: 'POST',
        url: `${base}/cgi-bin/webhook/send?key=${key}`,
        json: message,
        timeoutMs: config.timeoutMs,
      }),

    /** Uploads a file (`type=file`, multipart field `media`) for a `file` post. */
    async upload(filename: string, bytes: Buffer): Promise<UploadResult> {
      const { contentType, body } = multipartFile(filename, bytes);
      const r = await call(
        {
          method: 'POST',
          url: `${base}/cgi-bin/webhook/upload_media?key=${key}&type=file`,
          headers: { 'content-type': contentType },
          body,
          timeoutMs: Math.max(config.timeoutMs, TRANSFER_TIMEOUT_MS),
        },
        false,
      );
      if (!r.ok) return r;
      const mediaId = r.answer.media_id;
      return typeof mediaId === 'string' && mediaId !== ''
        ? { ok: true, mediaId }
        : failure(WECOM_ROBOT_ERRORS, NO_MEDIA_ID, 'upload_media answered without media_id', {
            inDoubt: false,
          });
    },
  });
}

/** The API of one robot account (see {@link robotApi}). */
export type RobotApi = ReturnType<typeof robotApi>;
