import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { AppError } from '../domain/errors.ts';
import { testRedis, waitFor } from '../testkit/testkit.ts';
import {
  createLiveConfig,
  defaultLiveConfig,
  type LiveConfig,
  liveConfigSchema,
  parseLiveConfig,
  publishConfigChanged,
} from './live-config.ts';

const issuesOf = (value: unknown): string[] => {
  try {
    parseLiveConfig(value);
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 422);
    return (err.details as { path: string }[]).map((d) => d.path);
  }
  return [];
};

describe('live config schema', () => {
  test('an empty object is the defaults', () => {
    assert.deepEqual(parseLiveConfig({}), defaultLiveConfig());
    assert.deepEqual(parseLiveConfig(undefined), defaultLiveConfig());
  });

  test('partial sections are filled with defaults; burst defaults to one second of rate', () => {
    const c = parseLiveConfig({
      discardTemplateIds: [3, 3, 4],
      dedup: { frequency: { limit: 5 } },
      concurrency: { 'email.notice': 50 },
      rateLimits: { '7': { rate: 12.5 } },
    });
    assert.deepEqual(c.discardTemplateIds, [3, 4]);
    assert.deepEqual(c.dedup, {
      contentWindowSec: 0,
      frequency: { limit: 5, per: 'day', windowSec: 86_400 },
    });
    assert.deepEqual(c.concurrency, { 'email.notice': 50 });
    assert.deepEqual(c.rateLimits, { '7': { rate: 12.5, burst: 13 } });
    assert.ok(Object.isFrozen(c.rateLimits['7']));
  });

  test('validation errors name every bad field', () => {
    assert.deepEqual(
      issuesOf({
        discardTemplateIds: [0],
        whitelist: { enabled: 'yes' },
        dedup: { contentWindowSec: -1, frequency: { per: 'week' } },
        quietHours: { start: '7pm', timezone: 'Mars/Olympus' },
        concurrency: { 'email.bogus': 5, 'sms.auth': 0 },
        rateLimits: { abc: { rate: 1 }, '3': { rate: 0 } },
      }).sort(),
      [
        'concurrency.email.bogus',
        'concurrency.sms.auth',
        'dedup.contentWindowSec',
        'dedup.frequency.per',
        'discardTemplateIds.0',
        'quietHours.start',
        'quietHours.timezone',
        'rateLimits.3.rate',
        'rateLimits.abc',
        'whitelist.enabled',
      ],
    );
  });

  test('unknown keys are rejected by name, at any depth', () => {
    assert.deepEqual(issuesOf({ discardTemplateIDs: [1], whitelist: { enable: true } }).sort(), [
      'discardTemplateIDs',
      'whitelist.enable',
    ]);
    assert.deepEqual(issuesOf({ rateLimits: { '3': { rate: 1, burts: 2 } } }), ['rateLimits.3.burts']);
  });

  test('not an object → root error', () => {
    assert.deepEqual(issuesOf(null), ['(root)']);
    assert.deepEqual(issuesOf([1]), ['(root)']);
  });

  test('sensitive words: normalised, distinct, sorted; bad words named by index', () => {
    assert.deepEqual(parseLiveConfig({}).sensitiveWords, { words: [] });
    const c = parseLiveConfig({ sensitiveWords: { words: ['Foo', ' foo ', '敏感', 'ＢＡＲ'] } });
    assert.deepEqual(c.sensitiveWords.words, ['bar', 'foo', '敏感']);
    assert.ok(Object.isFrozen(c.sensitiveWords.words));
    assert.deepEqual(issuesOf({ sensitiveWords: { words: ['ok', '', 'x'.repeat(40)] } }), [
      'sensitiveWords.words.1',
      'sensitiveWords.words.2',
    ]);
    assert.deepEqual(issuesOf({ sensitiveWords: { words: ['ok', 3] } }), ['sensitiveWords.words.1']);
    assert.deepEqual(issuesOf({ sensitiveWords: { list: [] } }), ['sensitiveWords.list']);
  });

  test('an unchanged dictionary parses to the same array (no re-normalising on every refresh)', () => {
    const raw = Array.from({ length: 10_000 }, (_, i) => `Word${i}`);
    const a = parseLiveConfig({ sensitiveWords: { words: raw } }).sensitiveWords.words;
    const b = parseLiveConfig({ sensitiveWords: { words: [...raw] } }).sensitiveWords.words;
    assert.equal(b, a);
    assert.notEqual(parseLiveConfig({ sensitiveWords: { words: [...raw, 'more'] } }).sensitiveWords.words, a);
  });

  test('the exported zod schema is the same rules', () => {
    assert.equal(liveConfigSchema.safeParse({ concurrency: { 'email.notice': 5 } }).success, true);
    assert.equal(liveConfigSchema.safeParse({ concurrency: { email: 5 } }).success, false);
  });
});

describe('createLiveConfig', () => {
  let r: Awaited<ReturnType<typeof testRedis>>;
  const subscribers: Redis[] = [];
  const subscriber = () => {
    const s = new Redis(r.url, { maxRetriesPerRequest: null });
    subscribers.push(s);
    return s;
  };
  before(async () => {
    r = await testRedis();
  });
  after(async () => {
    for (const s of subscribers) s.disconnect();
    await r.cleanup();
  });

  test('a change applies within 5 s via pub/sub (periodic refresh out of the way)', async () => {
    let stored: unknown = { discardTemplateIds: [1] };
    const changes: [LiveConfig, LiveConfig][] = [];
    const live = createLiveConfig({
      load: async () => stored,
      subscriber: subscriber(),
      channel: r.keys.configChanged(),
      refreshMs: 60_000,
      onChange: (next, prev) => changes.push([next, prev]),
    });
    await live.ready;
    assert.deepEqual(live.current().discardTemplateIds, [1]);
    // Wait until the subscription is live, then change, announce and time it.
    await waitFor(
      'subscribed',
      async () => Number((await r.redis.pubsub('NUMSUB', r.keys.configChanged()))[1]) > 0,
    );
    stored = { discardTemplateIds: [1, 2] };
    const t0 = Date.now();
    await publishConfigChanged(r.redis, r.keys);
    await waitFor('change applied', () => live.current().discardTemplateIds.includes(2), 5000, 5);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(changes.length, 2); // defaults → first load, first load → change
    assert.deepEqual(changes[1]![1].discardTemplateIds, [1]);
    // An announcement without a change does not call onChange.
    await publishConfigChanged(r.redis, r.keys);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(changes.length, 2);
    await live.close();
  });

  test('a dictionary change applies and is told; an unchanged one keeps its array', async () => {
    let stored: Record<string, unknown> = { sensitiveWords: { words: ['alpha'] } };
    const changes: LiveConfig[] = [];
    const live = createLiveConfig({
      load: async () => stored,
      subscriber: subscriber(),
      channel: `${r.prefix}elsewhere`,
      refreshMs: 30,
      onChange: (next) => changes.push(next),
    });
    await live.ready;
    const words = live.current().sensitiveWords.words;
    assert.deepEqual(words, ['alpha']);
    // Another section changes: the dictionary's array stays the same (its matcher is kept).
    stored = { ...stored, discardTemplateIds: [9] };
    await waitFor('discard applied', () => live.current().discardTemplateIds.includes(9), 5000);
    assert.equal(live.current().sensitiveWords.words, words);
    stored = { ...stored, sensitiveWords: { words: ['alpha', 'Beta'] } };
    await waitFor('words applied', () => live.current().sensitiveWords.words.includes('beta'), 5000);
    assert.deepEqual(
      changes.map((c) => c.sensitiveWords.words.length),
      [1, 1, 2],
    );
    await live.close();
  });

  test('a change without announcement applies via the periodic refresh', async () => {
    let stored: unknown = {};
    const live = createLiveConfig({
      load: async () => stored,
      subscriber: subscriber(),
      channel: `${r.prefix}elsewhere`,
      refreshMs: 300,
    });
    await live.ready;
    stored = { whitelist: { enabled: true, receivers: ['a@x.com'] } };
    const t0 = Date.now();
    await waitFor('refresh applied', () => live.current().whitelist.enabled, 5000);
    assert.ok(Date.now() - t0 < 2000);
    await live.close();
  });

  test('an invalid or unreadable stored value keeps the last good config', async () => {
    let stored: unknown = { discardTemplateIds: [5] };
    let fail = false;
    const live = createLiveConfig({
      load: async () => {
        if (fail) throw new Error('db down');
        return stored;
      },
      subscriber: subscriber(),
      channel: r.keys.configChanged(),
      refreshMs: 50,
    });
    await live.ready;
    stored = { discardTemplateIds: ['x'] };
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(live.current().discardTemplateIds, [5]);
    fail = true;
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(live.current().discardTemplateIds, [5]);
    fail = false;
    stored = { discardTemplateIds: [6] };
    await waitFor('recovered', () => live.current().discardTemplateIds[0] === 6);
    await live.close();
  });

  test('ready waits for the first successful load; nothing stored → defaults', async () => {
    let calls = 0;
    const live = createLiveConfig({
      load: async () => {
        if (++calls < 3) throw new Error('not yet');
        return undefined;
      },
      subscriber: subscriber(),
      channel: r.keys.configChanged(),
      refreshMs: 30,
    });
    await live.ready;
    assert.ok(calls >= 3);
    assert.deepEqual(live.current(), defaultLiveConfig());
    await live.close();
  });

  test('close before the first load rejects ready and stops reloading', async () => {
    let calls = 0;
    const live = createLiveConfig({
      load: async () => {
        calls++;
        throw new Error('never');
      },
      subscriber: subscriber(),
      channel: r.keys.configChanged(),
      refreshMs: 20,
    });
    await live.close();
    await assert.rejects(live.ready, /closed/);
    const n = calls;
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(calls, n);
  });
});
