import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonSchemaOf } from '../../secret.ts';
import { dingtalkRobot } from './definition.ts';
import { DINGTALK_ROBOT_ERRORS, robotFailure } from './errors.ts';
import { dingtalkMobile, robotMentions, withTags } from './mentions.ts';

/** The definition as data: identity, capabilities, config and content schemas, mention rules. */

test('a group robot of channel dingtalk_robot/dingtalk, mentions as receivers, no batch, recall, receipts or test', () => {
  assert.equal(dingtalkRobot.channel, 'dingtalk_robot');
  assert.equal(dingtalkRobot.provider, 'dingtalk');
  assert.equal(dingtalkRobot.groupPost, true);
  assert.deepEqual(dingtalkRobot.receivers, ['mention']);
  assert.deepEqual(dingtalkRobot.capabilities, { testConnection: false });
  assert.ok(Object.isFrozen(dingtalkRobot) && Object.isFrozen(DINGTALK_ROBOT_ERRORS));
  assert.equal(DINGTALK_ROBOT_ERRORS.HTTP_TIMEOUT, 'retryable', 'transport codes are in the table');
});

test('the config marks accessToken and secret writeOnly, defaults the host, refuses a pasted URL', () => {
  const schema = jsonSchemaOf(dingtalkRobot.config) as {
    properties: Record<string, { writeOnly?: boolean }>;
    required?: string[];
  };
  assert.equal(schema.properties.accessToken?.writeOnly, true);
  assert.equal(schema.properties.secret?.writeOnly, true);
  assert.equal(schema.properties.baseUrl?.writeOnly, undefined);
  assert.deepEqual(schema.required, ['accessToken']);
  assert.deepEqual(dingtalkRobot.config.parse({ accessToken: ' abc123 ' }), {
    accessToken: 'abc123',
    baseUrl: 'https://oapi.dingtalk.com',
    timeoutMs: 10_000,
  });
  const bad = [
    { accessToken: 'https://oapi.dingtalk.com/robot/send?access_token=abc' },
    { accessToken: 'abc', secret: 'not-a-SEC-secret' },
    { accessToken: 'abc', secret: 'SEC' },
    { accessToken: 'abc', keywords: ['x'] },
    { accessToken: 'abc', baseUrl: 'ftp://x.test' },
  ];
  for (const c of bad) assert.equal(dingtalkRobot.config.safeParse(c).success, false, JSON.stringify(c));
});

test('content: the text shorthand, each type, and action cards that are one kind or the other', () => {
  const c = dingtalkRobot.content;
  assert.deepEqual(c.parse({ text: 'Hi {$name}' }), { type: 'text', text: 'Hi {$name}' });
  const ok = [
    { type: 'markdown', title: 'T', text: '## x' },
    { type: 'link', title: 'T', text: 'x', messageUrl: '{$url}' },
    { type: 'actionCard', title: 'T', text: 'x', singleTitle: 'Go', singleURL: 'https://x.test' },
    { type: 'actionCard', title: 'T', text: 'x', btns: [{ title: 'A', actionURL: 'https://x.test' }] },
    { type: 'feedCard', links: [{ title: 'A', messageURL: 'https://x.test' }] },
  ];
  for (const v of ok) assert.equal(c.safeParse(v).success, true, JSON.stringify(v));
  const bad = [
    { text: '' },
    { type: 'markdown', text: 'no title' },
    { type: 'actionCard', title: 'T', text: 'x' },
    { type: 'actionCard', title: 'T', text: 'x', singleTitle: 'Go' },
    {
      type: 'actionCard',
      title: 'T',
      text: 'x',
      singleTitle: 'Go',
      singleURL: 'u',
      btns: [{ title: 'A', actionURL: 'u' }],
    },
    {
      type: 'actionCard',
      title: 'T',
      text: 'x',
      btns: [{ title: 'A', actionURL: 'u' }],
      btnOrientation: 'vertical',
    },
    { type: 'feedCard', links: [] },
    { type: 'text', text: 'x', at: { isAtAll: true } },
    { type: 'image', url: 'u' },
  ];
  for (const v of bad) assert.equal(c.safeParse(v).success, false, JSON.stringify(v));
  assert.doesNotThrow(() => jsonSchemaOf(c));
});

test('mentions: @all wins, mobiles in the form DingTalk holds them, ids once each, tags not doubled', () => {
  assert.deepEqual(robotMentions('ann,@all'), { at: { isAtAll: true }, tags: [] });
  assert.deepEqual(robotMentions('group'), { tags: [] });
  assert.deepEqual(robotMentions('+8613800138000,13800138000,8613800138000,ann,ann'), {
    at: { atMobiles: ['13800138000'], atUserIds: ['ann'] },
    tags: ['@13800138000', '@ann'],
  });
  assert.deepEqual(robotMentions('0241432523,+85291234567').at, {
    atMobiles: ['+85291234567'],
    atUserIds: ['0241432523'],
  });
  assert.equal(dingtalkMobile('+85291234567'), '+85291234567');
  assert.equal(withTags('ping @anna', ['@ann'], 'text'), 'ping @anna @ann');
  assert.equal(withTags('ping @ann, please', ['@ann'], 'text'), 'ping @ann, please');
  assert.equal(withTags('x', [], 'markdown'), 'x');
});

test('the lock code carries the 10-minute wait; unknown codes are permanent', () => {
  assert.equal(robotFailure('130101', '').retryAfterMs, 600_000);
  assert.equal(robotFailure('130101', '').message, '130101');
  assert.equal(robotFailure('-1', 'busy').retryAfterMs, undefined);
  const unknown = robotFailure('123456', 'new');
  assert.deepEqual([unknown.retryable, unknown.failover], [false, undefined]);
});
