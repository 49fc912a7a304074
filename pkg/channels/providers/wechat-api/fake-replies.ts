import { randomBytes } from 'node:crypto';
import type { FakeReply } from '../../../testkit/fake-http.ts';

/**
 * Test-only: the answers and ids of the WeChat fakes, shaped as WeChat's (errmsg ending in a
 * `rid`, 64-bit msgids written as bare JSON numbers, 28-character openids, 43-character
 * template ids).
 */

/** A WeChat-looking request id for errmsg (`rid: 6472dfd0-536f4e2c-16f28abc`). */
const rid = (): string => [4, 4, 4].map((n) => randomBytes(n).toString('hex')).join('-');

/**
 * A WeChat error answer.
 *
 * @example wechatError(40003, 'invalid openid') // { status: 200, body: { errcode: 40003, errmsg: 'invalid openid rid: …' } }
 */
export const wechatError = (errcode: number, errmsg: string): FakeReply => ({
  status: 200,
  body: { errcode, errmsg: `${errmsg} rid: ${rid()}` },
});

/**
 * A success answer with a 64-bit `msgid` written as a bare JSON number, as WeChat writes it
 * (beyond 2^53, so a client that reads it as a double gets another id).
 *
 * @example sentReply('1988810812324364291').body // '{"errcode":0,"errmsg":"ok","msgid":1988810812324364291}'
 */
export const sentReply = (msgid: string): FakeReply => ({
  status: 200,
  headers: { 'content-type': 'application/json; encoding=utf-8' },
  body: `{"errcode":0,"errmsg":"ok","msgid":${msgid}}`,
});

/** A fresh 19-digit msgid above 2^63/2 (so always beyond double precision). */
export const newMsgid = (): string =>
  (4611686018427387904n + (randomBytes(8).readBigUInt64BE() >> 2n)).toString();

/** A made-up openid of the shape WeChat hands out (`o` + 27 base64url characters, 28 in all). */
export const fakeOpenId = (): string => `o${randomBytes(21).toString('base64url').slice(0, 27)}`;

/** The openid shape the fakes accept (28 characters of `[A-Za-z0-9_-]`). */
export const OPENID_SHAPE = /^[A-Za-z0-9_-]{28}$/;

/** A made-up template id of WeChat's shape (43 base64url characters). */
export const fakeTemplateId = (): string => randomBytes(33).toString('base64url').slice(0, 43);
